package rules

import (
	"context"
	"time"
)

// Store keeps rulesets: per name a mutable draft, immutable numbered
// versions (1, 2, ...), and a live pointer, plus one audit trail.
// redisstore.Store implements it; rulestest.Run is its contract.
//
// Versions are never changed or deleted: a rollback publishes a new
// version with the old rules, so the live version is always the newest
// one and a version number names one set of rules forever.
type Store interface {
	// RulesetDraft returns the draft of name; ENotFound when none was saved.
	RulesetDraft(ctx context.Context, name string) (Ruleset, error)
	// PutRulesetDraft saves rs as the draft of rs.Name, replacing any.
	PutRulesetDraft(ctx context.Context, rs Ruleset) error
	// PublishRuleset atomically stores rs as version rs.Version of rs.Name,
	// makes it live, appends entry to the audit trail, and tells every
	// replica. It fails with EConflict, changing nothing, unless the newest
	// version is rs.Version-1 (0: none), so that of two concurrent
	// publishes exactly one wins.
	PublishRuleset(ctx context.Context, rs Ruleset, entry AuditEntry) error
	// LiveRuleset returns the live version of name; ENotFound when none.
	LiveRuleset(ctx context.Context, name string) (Ruleset, error)
	// RulesetVersion returns version n of name; ENotFound when none.
	RulesetVersion(ctx context.Context, name string, n int) (Ruleset, error)
	// RulesetVersions returns every version of name, oldest first.
	RulesetVersions(ctx context.Context, name string) ([]Ruleset, error)
	// RulesAudit returns up to limit audit entries of every ruleset, newest
	// first.
	RulesAudit(ctx context.Context, limit int) ([]AuditEntry, error)
}

// AuditEntry records one change of what is live: who made which version
// live, when, and how its rules differ from the version before.
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
	AuditPublish  = "publish"
	AuditRollback = "rollback"
)

// DefaultAuditLimit is how many audit entries Audit returns when asked for
// none or too many.
const DefaultAuditLimit = 100
