package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/versioned"
)

// Config of the Service; zero values take the defaults.
type Config struct {
	Now    func() time.Time       // default time.Now
	Sample func() []*catalog.Item // a sample of the catalog for warnings and cost estimates; may be nil
	Exists func(id string) bool   // whether an item is in the catalog, for warnings; may be nil
}

// Service is what marketers use: drafts, validation (with a cost estimate),
// publishing, rollback, versions and the audit trail. The lifecycle is the
// shared versioned mechanism; the Service adds the rulesets' names,
// validation and cost limits.
type Service struct {
	docs   *versioned.Service[Ruleset, AuditEntry]
	now    func() time.Time
	sample func() []*catalog.Item
	exists func(id string) bool
}

// NewService returns a Service over st.
func NewService(st versioned.Store, cfg Config) *Service {
	s := &Service{now: cfg.Now, sample: cfg.Sample, exists: cfg.Exists}
	if s.now == nil {
		s.now = time.Now
	}
	s.docs = versioned.NewService[Ruleset, AuditEntry](st, kind{}, s.now)
	return s
}

// VersionInfo summarizes one published version.
type VersionInfo struct {
	versioned.Info
	Rules int `json:"rules"`
}

// Draft returns the draft of name; ENotFound when none was saved.
func (s *Service) Draft(ctx context.Context, name string) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	return s.docs.Draft(ctx, name)
}

// PutDraft saves rs as the draft of name, stamped with who and now. A
// draft may be invalid (Validate says why) but not larger than MaxRules;
// rs.Name must be empty or name. The result is the draft as saved.
func (s *Service) PutDraft(ctx context.Context, name string, rs Ruleset, who string) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	if rs.Name != "" && rs.Name != name {
		return Ruleset{}, candor.Errorf(candor.EInvalid, "the ruleset is named %q but was sent for %q", clip(rs.Name), name)
	}
	if len(rs.Rules) > MaxRules {
		return Ruleset{}, candor.Errorf(candor.EInvalid, "a ruleset may hold at most %d rules, got %d", MaxRules, len(rs.Rules))
	}
	rs.Name = name
	if rs.Rules == nil {
		rs.Rules = []Rule{}
	}
	return s.docs.PutDraft(ctx, name, rs, who)
}

// Validate checks the saved draft of name as Publish would: nil and
// warnings when it could be published, else an EInvalid error wrapping
// Problems.
func (s *Service) Validate(ctx context.Context, name string) ([]Warning, error) {
	_, ws, err := s.CheckDraft(ctx, name)
	return ws, err
}

// CheckDraft is Check of the saved draft of name: Validate with the
// compiled draft, whose Estimate says what it would cost.
func (s *Service) CheckDraft(ctx context.Context, name string) (*Compiled, []Warning, error) {
	d, err := s.Draft(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return s.Check(ctx, d)
}

// Check validates any ruleset with the service's sample and clock, works
// out its cost Estimate (see Compiled.Estimate) and refuses, with EInvalid
// and a Problem per limit, a ruleset estimated to cost more than the
// limits of a request (DefaultBudget) or of an item (MaxItemCost).
func (s *Service) Check(ctx context.Context, rs Ruleset) (*Compiled, []Warning, error) {
	c, ws, err := s.compile(ctx, rs)
	if err != nil {
		return nil, nil, err
	}
	if ps := c.estimate.problems(); len(ps) > 0 {
		return nil, nil, invalid(ps)
	}
	return c, ws, nil
}

// compile validates and compiles rs and estimates its cost.
func (s *Service) compile(ctx context.Context, rs Ruleset) (*Compiled, []Warning, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, candor.Wrap("rules.Check", err)
	}
	var sample []*catalog.Item
	if s.sample != nil {
		sample = s.sample()
	}
	now := s.now()
	c, ws, err := Validate(rs, sample, now)
	if err != nil {
		return nil, nil, err
	}
	c.estimate = c.estimateCost(sample, now)
	return c, append(ws, s.missingPins(rs)...), nil
}

// missingPins warns of pins whose item is not in the catalog: they place
// nothing until it is added and a model has been trained with it.
func (s *Service) missingPins(rs Ruleset) []Warning {
	if s.exists == nil {
		return nil
	}
	var ws []Warning
	for _, r := range rs.Rules {
		if r.Action.Type == ActionPin && r.Action.ItemID != "" && !s.exists(r.Action.ItemID) {
			ws = append(ws, Warning{RuleID: r.ID, Message: fmt.Sprintf("item %q is not in the catalog, so the pin places nothing until it is added and a model is trained with it", candor.Clip(r.Action.ItemID, 40))})
		}
	}
	return ws
}

// CompileDraft validates and compiles the saved draft of name for
// previews: apply it beside Live to the same (cloned) candidates. Unlike
// Check it does not refuse a draft over the cost limits (a warning says
// so), and the result measures its own cost (see Compiled.Measured).
func (s *Service) CompileDraft(ctx context.Context, name string) (*Compiled, []Warning, error) {
	d, err := s.Draft(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	c, ws, err := s.compile(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range c.estimate.problems() {
		ws = append(ws, Warning{RuleID: p.RuleID, Message: "publishing will be refused: " + p.Message})
	}
	c.profile = &Profile{}
	return c, ws, nil
}

// Live returns the live version of name compiled, or Empty(name) when
// nothing was published.
func (s *Service) Live(ctx context.Context, name string) (*Compiled, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	rs, err := s.docs.Live(ctx, name)
	return compileLive(name, rs, err)
}

// Publish makes the saved draft of name the next version and live. A
// draft that Check refuses is refused with EInvalid wrapping Problems, and
// the live version stays. A concurrent publish makes it fail with
// EConflict.
func (s *Service) Publish(ctx context.Context, name, who string) (Ruleset, []Warning, error) {
	c, ws, err := s.CheckDraft(ctx, name)
	if err != nil {
		return Ruleset{}, nil, err
	}
	rs, err := s.docs.Publish(ctx, name, c.Ruleset(), who)
	return rs, ws, err
}

// Rollback makes the rules of version to live again, as a new version (so
// versions stay immutable and the live one is always the newest). Rolling
// back to the live version is EConflict; to a version that Check now
// refuses, EInvalid with Problems.
func (s *Service) Rollback(ctx context.Context, name string, to int, who string) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	return s.docs.Rollback(ctx, name, to, who, func(rs Ruleset) error {
		_, _, err := s.Check(ctx, rs)
		return err
	})
}

// Version returns version n of name; ENotFound when there is none.
func (s *Service) Version(ctx context.Context, name string, n int) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	return s.docs.Version(ctx, name, n)
}

// Versions summarizes every version of name, newest first.
func (s *Service) Versions(ctx context.Context, name string) ([]VersionInfo, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	vs, err := s.docs.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(vs))
	for i, v := range vs {
		out[i] = VersionInfo{Info: v.Info, Rules: len(v.Doc.Rules)}
	}
	return out, nil
}

// Audit returns up to limit audit entries, newest first, of the ruleset
// name or, when name is "", of every ruleset. limit outside 1-1000 means
// DefaultAuditLimit.
func (s *Service) Audit(ctx context.Context, name string, limit int) ([]AuditEntry, error) {
	if name != "" {
		if err := ValidateName(name); err != nil {
			return nil, err
		}
	}
	return s.docs.Audit(ctx, name, limit)
}

// compileLive compiles what the store's live version was: rs, or on
// ENotFound the empty ruleset.
func compileLive(name string, rs Ruleset, err error) (*Compiled, error) {
	if candor.ErrorCode(err) == candor.ENotFound {
		return Empty(name), nil
	}
	if err != nil {
		return nil, err
	}
	c, err := Compile(rs)
	if err != nil {
		return nil, &candor.Error{Code: candor.EInternal, Message: "The live ruleset no longer compiles.", Op: "rules.compileLive", Err: err}
	}
	return c, nil
}
