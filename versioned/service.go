package versioned

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/candorhq/candor"
)

// Service runs the lifecycle of one kind of document over a Store: drafts,
// publishing, rollback, versions and the audit trail. It validates nothing:
// the kind's own service validates a document before Publish and passes a
// check to Rollback.
type Service[D, E any] struct {
	store Store
	kind  Kind[D, E]
	now   func() time.Time
}

// NewService returns the lifecycle of kind over st; now may be nil for
// time.Now.
func NewService[D, E any](st Store, kind Kind[D, E], now func() time.Time) *Service[D, E] {
	if now == nil {
		now = time.Now
	}
	return &Service[D, E]{store: st, kind: kind, now: now}
}

// Published is one published version of a document and what Versions lists
// about it.
type Published[D any] struct {
	Info
	Doc D
}

// Info summarizes one published version.
type Info struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Author    string    `json:"author"`
	Live      bool      `json:"live"`
}

func (s *Service[D, E]) ref(name string) Ref { return Ref{Kind: s.kind.Name(), Name: name} }

// Draft returns the draft of name; ENotFound when none was saved.
func (s *Service[D, E]) Draft(ctx context.Context, name string) (D, error) {
	b, err := s.store.DocDraft(ctx, s.ref(name))
	return decodeAs[D](b, s.missing(err, "%s has no draft.", s.title(name)))
}

// PutDraft saves d as the draft of name, stamped as version 0 by who now.
// The result is the draft as saved.
func (s *Service[D, E]) PutDraft(ctx context.Context, name string, d D, who string) (D, error) {
	d = s.kind.WithMeta(d, Meta{Author: who, CreatedAt: s.now().UTC()})
	b, err := json.Marshal(d)
	if err != nil {
		return d, candor.Wrap("versioned.PutDraft", err)
	}
	return d, s.store.PutDocDraft(ctx, s.ref(name), b)
}

// Live returns the live version of name; ENotFound when none.
func (s *Service[D, E]) Live(ctx context.Context, name string) (D, error) {
	b, err := s.store.LiveDoc(ctx, s.ref(name))
	return decodeAs[D](b, s.missing(err, "%s has no published version.", s.title(name)))
}

// Version returns version n of name; EInvalid for n < 1, ENotFound when
// there is none.
func (s *Service[D, E]) Version(ctx context.Context, name string, n int) (D, error) {
	if n < 1 {
		var zero D
		return zero, candor.Errorf(candor.EInvalid, "a version is a number from 1, got %d", n)
	}
	b, err := s.store.DocVersion(ctx, s.ref(name), n)
	return decodeAs[D](b, s.missing(err, "%s has no version %d.", s.title(name), n))
}

// Versions returns every version of name, newest first; the newest is live.
func (s *Service[D, E]) Versions(ctx context.Context, name string) ([]Published[D], error) {
	bs, err := s.store.DocVersions(ctx, s.ref(name))
	if err != nil {
		return nil, err
	}
	out := make([]Published[D], len(bs))
	for i, b := range bs {
		d, err := decodeAs[D](b, nil)
		if err != nil {
			return nil, err
		}
		m := s.kind.Meta(d)
		out[len(bs)-1-i] = Published[D]{Info: Info{Version: m.Version, CreatedAt: m.CreatedAt, Author: m.Author, Live: i == len(bs)-1}, Doc: d}
	}
	return out, nil
}

// Audit returns up to limit audit entries, newest first, of the document
// name or, when name is "", of every document of the kind. limit outside
// 1-MaxAuditLimit means DefaultAuditLimit.
func (s *Service[D, E]) Audit(ctx context.Context, name string, limit int) ([]E, error) {
	if limit < 1 || limit > MaxAuditLimit {
		limit = DefaultAuditLimit
	}
	rs, err := s.store.DocAudit(ctx, s.ref(name), limit)
	if err != nil {
		return nil, err
	}
	out := make([]E, 0, len(rs))
	for _, r := range rs {
		var e E
		if json.Unmarshal(r.Entry, &e) == nil {
			out = append(out, s.kind.WithID(e, r.ID))
		}
	}
	return out, nil
}

// Publish makes d, which the caller validated, the next version of name
// and live. A concurrent publish makes it fail with EConflict.
func (s *Service[D, E]) Publish(ctx context.Context, name string, d D, who string) (D, error) {
	return s.makeLive(ctx, name, d, who, AuditPublish, 0)
}

// Rollback makes the content of version to live again, as a new version
// (so versions stay immutable and the live one is always the newest), once
// check accepts it. Rolling back to the live version is EConflict.
func (s *Service[D, E]) Rollback(ctx context.Context, name string, to int, who string, check func(D) error) (D, error) {
	old, err := s.Version(ctx, name, to)
	if err != nil {
		return old, err
	}
	if err := check(old); err != nil {
		var zero D
		return zero, err
	}
	return s.makeLive(ctx, name, old, who, AuditRollback, to)
}

// makeLive publishes d as the version after the live one, with an audit
// entry that diffs the two.
func (s *Service[D, E]) makeLive(ctx context.Context, name string, d D, who, action string, from int) (D, error) {
	var zero D
	prev, err := s.Live(ctx, name)
	if err != nil && candor.ErrorCode(err) != candor.ENotFound {
		return zero, err
	}
	pv := s.kind.Meta(prev).Version
	if action == AuditRollback && pv == from {
		return zero, candor.Errorf(candor.EConflict, "version %d of %s is already live", from, s.kind.Label(name))
	}
	if action == AuditPublish && pv > 0 && s.same(prev, d) {
		return zero, candor.Errorf(candor.EConflict, "the draft of %s is what version %d, the live one, holds: nothing to publish", s.kind.Label(name), pv)
	}
	now := s.now().UTC()
	d = s.kind.WithMeta(d, Meta{Version: pv + 1, CreatedAt: now, Author: who})
	entry := s.kind.Entry(Change{Time: now, Who: who, Action: action, Name: name, Version: pv + 1, Previous: pv, RestoredFrom: from}, prev, d)
	body, err := json.Marshal(d)
	if err != nil {
		return zero, candor.Wrap("versioned.Publish", err)
	}
	eb, err := json.Marshal(entry)
	if err != nil {
		return zero, candor.Wrap("versioned.Publish", err)
	}
	if err := s.store.PublishDoc(ctx, s.ref(name), pv+1, body, eb); err != nil {
		return zero, err
	}
	return d, nil
}

// same reports whether a and b hold the same content, whatever their
// versions, times and authors.
func (s *Service[D, E]) same(a, b D) bool {
	ja, err := json.Marshal(s.kind.WithMeta(a, Meta{}))
	if err != nil {
		return false
	}
	jb, err := json.Marshal(s.kind.WithMeta(b, Meta{}))
	return err == nil && bytes.Equal(ja, jb)
}

// title is the label of name at the start of a sentence.
func (s *Service[D, E]) title(name string) string {
	l := s.kind.Label(name)
	if l != "" && l[0] >= 'a' && l[0] <= 'z' {
		l = string(l[0]-'a'+'A') + l[1:]
	}
	return l
}

// missing replaces the message of an ENotFound error with one naming the
// document.
func (s *Service[D, E]) missing(err error, format string, args ...any) error {
	if candor.ErrorCode(err) == candor.ENotFound {
		return candor.Errorf(candor.ENotFound, format, args...)
	}
	return err
}

// decodeAs decodes what a store returned; a document that does not decode
// is an internal error.
func decodeAs[D any](b []byte, err error) (D, error) {
	var d D
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		var zero D
		return zero, &candor.Error{Code: candor.EInternal, Op: "versioned.decode", Err: err}
	}
	return d, nil
}
