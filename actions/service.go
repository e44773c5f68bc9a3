package actions

import (
	"context"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

// Service is what marketers use: the draft catalog, validation,
// publishing, rollback, versions and the audit trail. The lifecycle is the
// shared versioned mechanism; the Service adds the catalog's validation.
type Service struct {
	docs *versioned.Service[Catalog, AuditEntry]
}

// NewService returns a Service over st; now may be nil for time.Now.
func NewService(st versioned.Store, now func() time.Time) *Service {
	return &Service{docs: versioned.NewService[Catalog, AuditEntry](st, kind{}, now)}
}

// VersionInfo summarizes one published version.
type VersionInfo struct {
	versioned.Info
	Actions int `json:"actions"`
}

// Draft returns the draft; ENotFound when none was saved.
func (s *Service) Draft(ctx context.Context) (Catalog, error) { return s.docs.Draft(ctx, "") }

// PutDraft saves c as the draft, stamped with who and now. A draft may be
// invalid (Validate says why) but not larger than MaxActions. The result
// is the draft as saved.
func (s *Service) PutDraft(ctx context.Context, c Catalog, who string) (Catalog, error) {
	if len(c.Actions) > MaxActions {
		return Catalog{}, candor.Errorf(candor.EInvalid, "an action catalog may hold at most %d actions, got %d", MaxActions, len(c.Actions))
	}
	if c.Actions == nil {
		c.Actions = []Action{}
	}
	return s.docs.PutDraft(ctx, "", c, who)
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
	c, err := s.docs.Live(ctx, "")
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
	return s.docs.Publish(ctx, "", d.Catalog(), who)
}

// Rollback makes the actions of version to live again, as a new version.
// Rolling back to the live version is EConflict.
func (s *Service) Rollback(ctx context.Context, to int, who string) (Catalog, error) {
	return s.docs.Rollback(ctx, "", to, who, func(c Catalog) error {
		_, err := Validate(c)
		return err
	})
}

// Version returns version n; ENotFound when there is none.
func (s *Service) Version(ctx context.Context, n int) (Catalog, error) {
	return s.docs.Version(ctx, "", n)
}

// Versions summarizes every version, newest first.
func (s *Service) Versions(ctx context.Context) ([]VersionInfo, error) {
	vs, err := s.docs.Versions(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(vs))
	for i, v := range vs {
		out[i] = VersionInfo{Info: v.Info, Actions: len(v.Doc.Actions)}
	}
	return out, nil
}

// Audit returns up to limit audit entries, newest first; limit outside
// 1-1000 means DefaultAuditLimit.
func (s *Service) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	return s.docs.Audit(ctx, "", limit)
}

// compileLive compiles what the store's live version was: c, or on
// ENotFound the empty catalog.
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
