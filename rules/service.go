package rules

import (
	"context"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
)

// Config of the Service; zero values take the defaults.
type Config struct {
	Now    func() time.Time       // default time.Now
	Sample func() []*catalog.Item // a sample of the catalog for warnings; may be nil
}

// Service is what marketers use: drafts, validation, publishing, rollback,
// versions and the audit trail.
type Service struct {
	store  Store
	now    func() time.Time
	sample func() []*catalog.Item
}

// NewService returns a Service over st.
func NewService(st Store, cfg Config) *Service {
	s := &Service{store: st, now: cfg.Now, sample: cfg.Sample}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// VersionInfo summarizes one published version.
type VersionInfo struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Author    string    `json:"author"`
	Rules     int       `json:"rules"`
	Live      bool      `json:"live"`
}

// Draft returns the draft of name; ENotFound when none was saved.
func (s *Service) Draft(ctx context.Context, name string) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	return s.store.RulesetDraft(ctx, name)
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
	rs.Name, rs.Version, rs.Author, rs.CreatedAt = name, 0, who, s.now().UTC()
	if rs.Rules == nil {
		rs.Rules = []Rule{}
	}
	return rs, s.store.PutRulesetDraft(ctx, rs)
}

// Validate checks the saved draft of name: nil and warnings when it could
// be published, else an EInvalid error wrapping Problems.
func (s *Service) Validate(ctx context.Context, name string) ([]Warning, error) {
	_, ws, err := s.CompileDraft(ctx, name)
	return ws, err
}

// Check validates any ruleset (a request body, say) with the service's
// sample and clock; see Validate.
func (s *Service) Check(rs Ruleset) (*Compiled, []Warning, error) {
	var sample []*catalog.Item
	if s.sample != nil {
		sample = s.sample()
	}
	return Validate(rs, sample, s.now())
}

// CompileDraft validates and compiles the saved draft of name, for
// previews: apply it beside Live to the same (cloned) candidates.
func (s *Service) CompileDraft(ctx context.Context, name string) (*Compiled, []Warning, error) {
	d, err := s.Draft(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return s.Check(d)
}

// Live returns the live version of name compiled, or Empty(name) when
// nothing was published.
func (s *Service) Live(ctx context.Context, name string) (*Compiled, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	return loadLive(ctx, s.store, name)
}

// Publish makes the saved draft of name the next version and live. An
// invalid draft is refused with EInvalid wrapping Problems, and the live
// version stays. A concurrent publish makes it fail with EConflict.
func (s *Service) Publish(ctx context.Context, name, who string) (Ruleset, []Warning, error) {
	d, ws, err := s.CompileDraft(ctx, name)
	if err != nil {
		return Ruleset{}, nil, err
	}
	rs, err := s.makeLive(ctx, d.Ruleset(), who, AuditPublish, 0)
	return rs, ws, err
}

// Rollback makes the rules of version to live again, as a new version (so
// versions stay immutable and the live one is always the newest). Rolling
// back to the live version is EConflict; to a version that no longer
// compiles, EInvalid with Problems.
func (s *Service) Rollback(ctx context.Context, name string, to int, who string) (Ruleset, error) {
	old, err := s.Version(ctx, name, to)
	if err != nil {
		return Ruleset{}, err
	}
	if _, _, err := s.Check(old); err != nil {
		return Ruleset{}, err
	}
	return s.makeLive(ctx, old, who, AuditRollback, to)
}

// makeLive publishes rs as the version after the live one, with an audit
// entry that diffs the two.
func (s *Service) makeLive(ctx context.Context, rs Ruleset, who, action string, from int) (Ruleset, error) {
	prev, err := s.store.LiveRuleset(ctx, rs.Name)
	if err != nil && candor.ErrorCode(err) != candor.ENotFound {
		return Ruleset{}, err
	}
	if action == AuditRollback && prev.Version == from {
		return Ruleset{}, candor.Errorf(candor.EConflict, "version %d of %s is already live", from, rs.Name)
	}
	now := s.now().UTC()
	rs.Version, rs.CreatedAt, rs.Author = prev.Version+1, now, who
	entry := AuditEntry{Time: now, Who: who, Action: action, Ruleset: rs.Name, Version: rs.Version,
		Previous: prev.Version, RestoredFrom: from, Diff: DiffRules(prev.Rules, rs.Rules)}
	if err := s.store.PublishRuleset(ctx, rs, entry); err != nil {
		return Ruleset{}, err
	}
	return rs, nil
}

// Version returns version n of name; ENotFound when there is none.
func (s *Service) Version(ctx context.Context, name string, n int) (Ruleset, error) {
	if err := ValidateName(name); err != nil {
		return Ruleset{}, err
	}
	if n < 1 {
		return Ruleset{}, candor.Errorf(candor.EInvalid, "a version is a number from 1, got %d", n)
	}
	return s.store.RulesetVersion(ctx, name, n)
}

// Versions summarizes every version of name, newest first.
func (s *Service) Versions(ctx context.Context, name string) ([]VersionInfo, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	vs, err := s.store.RulesetVersions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(vs))
	for i, v := range vs {
		out[len(vs)-1-i] = VersionInfo{Version: v.Version, CreatedAt: v.CreatedAt, Author: v.Author, Rules: len(v.Rules), Live: i == len(vs)-1}
	}
	return out, nil
}

// Audit returns up to limit audit entries, newest first, of the ruleset
// name or, when name is "", of every ruleset. limit outside 1-1000 means
// DefaultAuditLimit. For one name it looks through the newest 1000.
func (s *Service) Audit(ctx context.Context, name string, limit int) ([]AuditEntry, error) {
	if name != "" {
		if err := ValidateName(name); err != nil {
			return nil, err
		}
	}
	if limit < 1 || limit > 1000 {
		limit = DefaultAuditLimit
	}
	if name == "" {
		return s.store.RulesAudit(ctx, limit)
	}
	all, err := s.store.RulesAudit(ctx, 1000)
	if err != nil {
		return nil, err
	}
	out := []AuditEntry{}
	for _, e := range all {
		if e.Ruleset == name && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// loadLive reads and compiles the live version of name.
func loadLive(ctx context.Context, st Store, name string) (*Compiled, error) {
	rs, err := st.LiveRuleset(ctx, name)
	return compileLive(name, rs, err)
}

// compileLive compiles what LiveRuleset returned: rs, or on ENotFound the
// empty ruleset.
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
