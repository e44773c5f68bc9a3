package rules

import (
	"time"

	"github.com/candorhq/candor/versioned"
)

// AuditEntry records one change of what is live: who made which version
// of a ruleset live, when, and how its rules differ from the version
// before.
type AuditEntry struct {
	ID           string    `json:"id"` // set by the store; newer entries sort after older ones
	Time         time.Time `json:"time"`
	Who          string    `json:"who"`
	Action       string    `json:"action"` // AuditPublish or AuditRollback
	Ruleset      string    `json:"ruleset"`
	Version      int       `json:"version"`                 // the version made live
	Previous     int       `json:"previous"`                // the version live before; 0 for none
	RestoredFrom int       `json:"restored_from,omitempty"` // rollback: the version whose rules came back
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

// Kind is the name of rulesets in the versioned store: their keys, their
// audit entries and the pub/sub topic that announces a publish.
const Kind = "rules"

// kind is what the versioned mechanism needs to know of rulesets.
type kind struct{}

var _ versioned.Kind[Ruleset, AuditEntry] = kind{}

func (kind) Name() string             { return Kind }
func (kind) Label(name string) string { return "ruleset " + name }

func (kind) Meta(rs Ruleset) versioned.Meta {
	return versioned.Meta{Version: rs.Version, CreatedAt: rs.CreatedAt, Author: rs.Author}
}

func (kind) WithMeta(rs Ruleset, m versioned.Meta) Ruleset {
	rs.Version, rs.CreatedAt, rs.Author = m.Version, m.CreatedAt, m.Author
	return rs
}

func (kind) Entry(c versioned.Change, before, after Ruleset) AuditEntry {
	return AuditEntry{Time: c.Time, Who: c.Who, Action: c.Action, Ruleset: c.Name, Version: c.Version,
		Previous: c.Previous, RestoredFrom: c.RestoredFrom, Diff: DiffRules(before.Rules, after.Rules)}
}

func (kind) WithID(e AuditEntry, id string) AuditEntry {
	e.ID = id
	return e
}
