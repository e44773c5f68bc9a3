package actions

import (
	"context"
	"reflect"
	"time"
)

// Store keeps the action catalog: a mutable draft, immutable numbered
// versions (1, 2, ...), a live pointer and audit entries in the audit
// trail rulesets share. redisstore.Store implements it.
//
// Versions are never changed or deleted: a rollback publishes a new
// version with the old actions, so the live version is always the newest.
type Store interface {
	// ActionsDraft returns the draft; ENotFound when none was saved.
	ActionsDraft(ctx context.Context) (Catalog, error)
	// PutActionsDraft saves c as the draft, replacing any.
	PutActionsDraft(ctx context.Context, c Catalog) error
	// PublishActions atomically stores c as version c.Version, makes it
	// live, appends entry to the audit trail and tells every replica
	// (redisstore.TopicActions). It fails with EConflict, changing
	// nothing, unless the newest version is c.Version-1 (0: none).
	PublishActions(ctx context.Context, c Catalog, entry AuditEntry) error
	// LiveActions returns the live version; ENotFound when none.
	LiveActions(ctx context.Context) (Catalog, error)
	// ActionsVersion returns version n; ENotFound when none.
	ActionsVersion(ctx context.Context, n int) (Catalog, error)
	// ActionsVersions returns every version, oldest first.
	ActionsVersions(ctx context.Context) ([]Catalog, error)
	// ActionsAudit returns up to limit audit entries of the catalog,
	// newest first.
	ActionsAudit(ctx context.Context, limit int) ([]AuditEntry, error)
}

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
	AuditPublish  = "publish"
	AuditRollback = "rollback"
)

// DefaultAuditLimit is how many audit entries Audit returns when asked for
// none or too many.
const DefaultAuditLimit = 100

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
