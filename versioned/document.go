// Package versioned owns the lifecycle that the documents marketers publish
// share (rulesets, the action catalog): a mutable draft, immutable numbered
// versions, a live pointer announced to every replica, rollback as a new
// version, and one audit trail whose entries carry a diff. It also holds
// what their validation has in common: strict JSON decoding and the list of
// problems a refused document gets.
//
// A kind of document brings only its schema, through Kind: how to stamp a
// document with its version, how to build an audit entry (with its diff)
// from two versions, and, in its own package, how to validate and compile
// one. Store is the one storage contract for every kind.
package versioned

import (
	"time"
)

// Meta is what the mechanism stamps on every document it saves.
type Meta struct {
	Version   int // 0 for a draft; 1, 2, ... once published
	CreatedAt time.Time
	Author    string
}

// Change is one change of what is live, for the audit entry Kind.Entry
// builds.
type Change struct {
	Time         time.Time
	Who          string
	Action       string // AuditPublish or AuditRollback
	Name         string // the document's name; "" for a kind with one document
	Version      int    // the version made live
	Previous     int    // the version live before; 0 for none
	RestoredFrom int    // rollback: the version whose content came back
}

// Audit actions.
const (
	AuditPublish  = "publish"
	AuditRollback = "rollback"
)

// Audit limits: how many entries Audit returns when asked for none or too
// many, and the most it returns.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// Kind is one kind of document: D the document, E its audit entry. Its
// methods must not fail: validation is the caller's, before Publish.
type Kind[D, E any] interface {
	// Name names the kind in keys, the audit trail and the pub/sub topic
	// that announces a publish, e.g. "rules".
	Name() string
	// Label names one document in messages, in lower case, e.g.
	// "ruleset promo", "the action catalog".
	Label(name string) string
	// Meta returns the stamp of d; WithMeta returns d stamped with m.
	Meta(d D) Meta
	WithMeta(d D, m Meta) D
	// Entry returns the audit entry of c, which made after live in place
	// of before (the zero D when nothing was live).
	Entry(c Change, before, after D) E
	// WithID returns e with the ID the store gave it.
	WithID(e E, id string) E
}

// Ref names one document: its kind and its name ("" for a kind with one
// document, such as the action catalog).
type Ref struct {
	Kind string
	Name string
}
