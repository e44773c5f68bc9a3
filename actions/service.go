package actions

import (
	"context"
	"time"

	"github.com/candorhq/candor"
)

// Service is what marketers use: the draft catalog, validation,
// publishing, rollback, versions and the audit trail.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a Service over st; now may be nil for time.Now.
func NewService(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

// VersionInfo summarizes one published version.
type VersionInfo struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Author    string    `json:"author"`
	Actions   int       `json:"actions"`
	Live      bool      `json:"live"`
}

// Draft returns the draft; ENotFound when none was saved.
func (s *Service) Draft(ctx context.Context) (Catalog, error) { return s.store.ActionsDraft(ctx) }

// PutDraft saves c as the draft, stamped with who and now. A draft may be
// invalid (Validate says why) but not larger than MaxActions. The result
// is the draft as saved.
func (s *Service) PutDraft(ctx context.Context, c Catalog, who string) (Catalog, error) {
	if len(c.Actions) > MaxActions {
		return Catalog{}, candor.Errorf(candor.EInvalid, "an action catalog may hold at most %d actions, got %d", MaxActions, len(c.Actions))
	}
	c.Version, c.Author, c.CreatedAt = 0, who, s.now().UTC()
	if c.Actions == nil {
		c.Actions = []Action{}
	}
	return c, s.store.PutActionsDraft(ctx, c)
}

// Validate checks the saved draft: nil when it could be published, else
// an EInvalid error wrapping Problems.
func (s *Service) Validate(ctx context.Context) error {
	_, err := s.CompileDraft(ctx)
	return err
}

// CompileDraft validates and compiles the saved draft, e.g. to simulate
// it with Engine.WithCatalog before publishing.
func (s *Service) CompileDraft(ctx context.Context) (*Compiled, error) {
	d, err := s.Draft(ctx)
	if err != nil {
		return nil, err
	}
	return Validate(d)
}

// Live returns the live version compiled, or Empty() when nothing was
// published.
func (s *Service) Live(ctx context.Context) (*Compiled, error) {
	c, err := s.store.LiveActions(ctx)
	return compileLive(c, err)
}

// Publish makes the saved draft the next version and live. An invalid
// draft is refused with EInvalid wrapping Problems, and the live version
// stays. A concurrent publish makes it fail with EConflict.
func (s *Service) Publish(ctx context.Context, who string) (Catalog, error) {
	d, err := s.CompileDraft(ctx)
	if err != nil {
		return Catalog{}, err
	}
	return s.makeLive(ctx, d.Catalog(), who, AuditPublish, 0)
}

// Rollback makes the actions of version to live again, as a new version.
// Rolling back to the live version is EConflict.
func (s *Service) Rollback(ctx context.Context, to int, who string) (Catalog, error) {
	old, err := s.Version(ctx, to)
	if err != nil {
		return Catalog{}, err
	}
	if _, err := Validate(old); err != nil {
		return Catalog{}, err
	}
	return s.makeLive(ctx, old, who, AuditRollback, to)
}

// makeLive publishes c as the version after the live one, with an audit
// entry that diffs the two.
func (s *Service) makeLive(ctx context.Context, c Catalog, who, action string, from int) (Catalog, error) {
	prev, err := s.store.LiveActions(ctx)
	if err != nil && candor.ErrorCode(err) != candor.ENotFound {
		return Catalog{}, err
	}
	if action == AuditRollback && prev.Version == from {
		return Catalog{}, candor.Errorf(candor.EConflict, "version %d of the action catalog is already live", from)
	}
	now := s.now().UTC()
	c.Version, c.CreatedAt, c.Author = prev.Version+1, now, who
	entry := AuditEntry{Time: now, Who: who, Action: action, Version: c.Version, Previous: prev.Version,
		RestoredFrom: from, Diff: DiffActions(prev.Actions, c.Actions)}
	if err := s.store.PublishActions(ctx, c, entry); err != nil {
		return Catalog{}, err
	}
	return c, nil
}

// Version returns version n; ENotFound when there is none.
func (s *Service) Version(ctx context.Context, n int) (Catalog, error) {
	if n < 1 {
		return Catalog{}, candor.Errorf(candor.EInvalid, "a version is a number from 1, got %d", n)
	}
	return s.store.ActionsVersion(ctx, n)
}

// Versions summarizes every version, newest first.
func (s *Service) Versions(ctx context.Context) ([]VersionInfo, error) {
	vs, err := s.store.ActionsVersions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(vs))
	for i, v := range vs {
		out[len(vs)-1-i] = VersionInfo{Version: v.Version, CreatedAt: v.CreatedAt, Author: v.Author, Actions: len(v.Actions), Live: i == len(vs)-1}
	}
	return out, nil
}

// Audit returns up to limit audit entries, newest first; limit outside
// 1-1000 means DefaultAuditLimit.
func (s *Service) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit < 1 || limit > 1000 {
		limit = DefaultAuditLimit
	}
	return s.store.ActionsAudit(ctx, limit)
}

// compileLive compiles what LiveActions returned: c, or on ENotFound the
// empty catalog.
func compileLive(c Catalog, err error) (*Compiled, error) {
	if candor.ErrorCode(err) == candor.ENotFound {
		return Empty(), nil
	}
	if err != nil {
		return nil, err
	}
	cc, err := Compile(c)
	if err != nil {
		return nil, &candor.Error{Code: candor.EInternal, Message: "The live action catalog no longer compiles.", Op: "actions.compileLive", Err: err}
	}
	return cc, nil
}
