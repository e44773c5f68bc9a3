package actions

import (
	"reflect"
	"time"

	"github.com/candorhq/candor/versioned"
)

// AuditEntry records one change of the live catalog: who made which
// version live, when, and which actions changed.
type AuditEntry struct {
	ID           string    `json:"id"` // set by the store; newer entries sort after older ones
	Time         time.Time `json:"time"`
	Who          string    `json:"who"`
	Action       string    `json:"action"`                  // AuditPublish or AuditRollback
	Version      int       `json:"version"`                 // the version made live
	Previous     int       `json:"previous"`                // the version live before; 0 for none
	RestoredFrom int       `json:"restored_from,omitempty"` // rollback: the version whose actions came back
	Diff         Diff      `json:"diff"`                    // from Previous to Version
}

// Audit actions.
const (
	AuditPublish  = versioned.AuditPublish
	AuditRollback = versioned.AuditRollback
)

// DefaultAuditLimit is how many audit entries Audit returns when asked for
// none or too many.
const DefaultAuditLimit = versioned.DefaultAuditLimit

// Diff names the actions added, removed and changed between two versions.
type Diff struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// DiffActions compares two lists of actions by ID.
func DiffActions(from, to []Action) Diff {
	d := Diff{Added: []string{}, Removed: []string{}, Changed: []string{}}
	old := make(map[string]*Action, len(from))
	for i := range from {
		old[from[i].ID] = &from[i]
	}
	seen := make(map[string]bool, len(to))
	for i := range to {
		a := &to[i]
		seen[a.ID] = true
		switch o, ok := old[a.ID]; {
		case !ok:
			d.Added = append(d.Added, a.ID)
		case !reflect.DeepEqual(*o, *a):
			d.Changed = append(d.Changed, a.ID)
		}
	}
	for i := range from {
		if !seen[from[i].ID] {
			d.Removed = append(d.Removed, from[i].ID)
		}
	}
	return d
}

// Kind is the name of the action catalog in the versioned store: its
// keys, its audit entries and the pub/sub topic that announces a publish.
// The catalog is the kind's one document, named "".
const Kind = "actions"

// kind is what the versioned mechanism needs to know of action catalogs.
type kind struct{}

var _ versioned.Kind[Catalog, AuditEntry] = kind{}

func (kind) Name() string        { return Kind }
func (kind) Label(string) string { return "the action catalog" }

func (kind) Meta(c Catalog) versioned.Meta {
	return versioned.Meta{Version: c.Version, CreatedAt: c.CreatedAt, Author: c.Author}
}

func (kind) WithMeta(c Catalog, m versioned.Meta) Catalog {
	c.Version, c.CreatedAt, c.Author = m.Version, m.CreatedAt, m.Author
	return c
}

func (kind) Entry(ch versioned.Change, before, after Catalog) AuditEntry {
	return AuditEntry{Time: ch.Time, Who: ch.Who, Action: ch.Action, Version: ch.Version, Previous: ch.Previous,
		RestoredFrom: ch.RestoredFrom, Diff: DiffActions(before.Actions, after.Actions)}
}

func (kind) WithID(e AuditEntry, id string) AuditEntry {
	e.ID = id
	return e
}
