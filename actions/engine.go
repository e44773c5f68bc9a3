package actions

import (
	"slices"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/rules"
)

// Config of the Engine; zero values take the defaults.
type Config struct {
	Policy Policy // contact policy per channel; nil means DefaultPolicy()
	// Threshold: an action is shown only when its score is above it.
	// Default 0.01; a negative value means 0.
	Threshold float64
	// PriorClicks and PriorImpressions are the Beta prior of the response
	// rate: rate = (clicks + PriorClicks) / (impressions + PriorImpressions).
	// Defaults 1 and 20 (a 5% rate worth 20 impressions).
	PriorClicks, PriorImpressions float64
	// AffinityWeight λ in [0, 1] blends the model affinity a (in [0, 1])
	// into the propensity: p = rate + λ·a·(1 − rate). Default 0.5.
	AffinityWeight float64
	// MaxHistory is how many of the most recent interactions per feature
	// set the affinity reads. Default 100.
	MaxHistory int
}

// Defaults of Config.
const (
	DefaultThreshold        = 0.01
	DefaultPriorClicks      = 1
	DefaultPriorImpressions = 20
	DefaultAffinityWeight   = 0.5
	DefaultMaxHistory       = 100
	DefaultN                = 3  // actions per decision when Request.N is 0
	MaxN                    = 20 // most actions per decision
)

func (c Config) withDefaults() Config {
	if c.Policy == nil {
		c.Policy = DefaultPolicy()
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	c.Threshold = max(c.Threshold, 0)
	if c.PriorImpressions <= 0 {
		c.PriorClicks, c.PriorImpressions = DefaultPriorClicks, DefaultPriorImpressions
	}
	c.PriorClicks = min(max(c.PriorClicks, 0), c.PriorImpressions)
	if c.AffinityWeight == 0 {
		c.AffinityWeight = DefaultAffinityWeight
	}
	c.AffinityWeight = min(max(c.AffinityWeight, 0), 1)
	if c.MaxHistory <= 0 {
		c.MaxHistory = DefaultMaxHistory
	}
	return c
}

// Observed is an action's response so far, over all customers.
type Observed struct {
	Impressions int64 `json:"impressions"`
	Clicks      int64 `json:"clicks"`
}

// Request is one arbitration: a customer (State, from the consent-gated
// read; nil for an anonymous visitor, who has granted nothing) and a
// channel.
type Request struct {
	State   *features.State
	Channel consent.Scope
	N       int // most actions to return; 0 means DefaultN, capped at MaxN
	Now     time.Time
	GPC     bool                // the request carried Sec-GPC: 1
	Model   recommend.Model     // for affinity; may be nil
	Items   *catalog.Snapshot   // the item catalog, for category popularity and titles; may be nil
	Stats   map[string]Observed // by action ID; missing means none observed
}

// Engine arbitrates between the actions of a catalog. It is safe for
// concurrent use.
type Engine struct {
	cfg     Config
	catalog func() *Compiled
}

// NewEngine returns an engine over the catalog catalog returns (Live.Load,
// say) for each decision.
func NewEngine(catalog func() *Compiled, cfg Config) *Engine {
	return &Engine{cfg: cfg.withDefaults(), catalog: catalog}
}

// WithCatalog returns an engine with e's config over c, to decide or
// simulate with a draft.
func (e *Engine) WithCatalog(c *Compiled) *Engine {
	return &Engine{cfg: e.cfg, catalog: func() *Compiled { return c }}
}

// Config returns the engine's config with defaults applied.
func (e *Engine) Config() Config { return e.cfg }

// decide is the state of one Decide call.
type decide struct {
	e     *Engine
	c     *Compiled
	req   *Request
	grant consent.Grant
	lim   Limit
	lmt   bool // the channel has a limit
	use   usage
	env   *rules.ActionEnv
	tg    *targets
	aff   *affinity
}

// candidate is an action that passed every check, with its score; its
// parts are kept aside so that ranking moves small values.
type candidate struct {
	score float64
	i     int // position in the catalog
	p     int // position in the parts
}

// Decide picks at most n actions for the customer on the channel: those
// that pass every check (see the Reason* constants, in order) and whose
// score is above the threshold, best first (ties by catalog order). It
// never returns an action for a channel the customer has not granted.
// Decide does no I/O.
func (e *Engine) Decide(req Request) Decision {
	c := e.catalog()
	d := Decision{Channel: req.Channel, CatalogVersion: c.Version(), Actions: []Chosen{}, UsedSets: []string{}}
	if req.Model != nil {
		d.ModelVersion = req.Model.Version()
	}
	if !slices.Contains(consent.Channels, req.Channel) {
		d.NoAction = NoneInvalidChannel
		return d
	}
	s := e.start(c, &req)
	var cands []candidate
	var ps []parts
	d.Suppressed = make([]Suppressed, 0, len(c.actions))
	for i := range c.actions {
		if reason, detail := s.check(i); reason != "" {
			d.Suppressed = append(d.Suppressed, Suppressed{ActionID: c.actions[i].ID, Reason: reason, Detail: detail})
			continue
		}
		if cands == nil { // most requests score many actions or none
			cands, ps = make([]candidate, 0, len(c.actions)-i), make([]parts, 0, len(c.actions)-i)
		}
		p := s.parts(i)
		cands = append(cands, candidate{score: p.sum(), i: i, p: len(ps)})
		ps = append(ps, p)
	}
	s.choose(&d, cands, ps)
	return d
}

// start prepares one decision.
func (e *Engine) start(c *Compiled, req *Request) *decide {
	s := &decide{e: e, c: c, req: req}
	if req.State != nil {
		s.grant = req.State.Grant()
	}
	s.lim, s.lmt = e.cfg.Policy[req.Channel]
	if s.grant.Has(req.Channel) && req.State != nil {
		s.use = c.usage(req.State.Contacts, req.Channel, s.lim, req.Now)
	}
	if req.Model != nil {
		s.tg = c.targetsFor(req.Model, req.Items)
		s.aff = s.tg.affinityOf(req.State, s.grant, e.cfg.MaxHistory)
	}
	return s
}

// check returns why action i is suppressed, or "".
func (s *decide) check(i int) (reason, detail string) {
	a, req := &s.c.actions[i], s.req
	switch {
	case !slices.Contains(a.Channels, req.Channel):
		return ReasonOtherChannel, ""
	case a.From != nil && req.Now.Before(*a.From) || a.Until != nil && !req.Now.Before(*a.Until):
		return ReasonNotValidNow, ""
	}
	if reason, detail := a.consentReason(s.grant, req.Channel, req.GPC); reason != "" {
		if reason == ReasonNoChannelConsent {
			detail = s.channelReason()
		}
		return reason, detail
	}
	if env := s.actionEnv(); a.cond != nil && !env.Holds(a.cond) {
		if env.OverBudget() {
			return ReasonBudget, ""
		}
		return ReasonConditionFalse, ""
	}
	return s.c.capped(i, &s.use, s.lim, s.lmt, req.Now)
}

// consentReason returns why consent g does not allow action a on ch, in
// this order: the channel, sharing under GPC, sharing without sale_share,
// a feature set its condition reads (the detail); "" when it allows it.
func (a *compiled) consentReason(g consent.Grant, ch consent.Scope, gpc bool) (reason, detail string) {
	switch {
	case !g.Has(ch):
		return ReasonNoChannelConsent, ""
	case a.SharesData && gpc:
		return ReasonGPC, ""
	case a.SharesData && !g.Has(consent.SaleShare):
		return ReasonNoSaleShare, ""
	}
	for _, set := range a.cond.Sets() {
		if !g.Has(set) {
			return ReasonNoFeatureSetConsent, string(set)
		}
	}
	return "", ""
}

// channelReason is the consent reason the channel is not granted.
func (s *decide) channelReason() string {
	if s.req.State == nil {
		return consent.ReasonNoRecord
	}
	return s.req.State.Decision.Effective(s.req.Channel).Reason
}

// actionEnv makes the condition evaluator on first use.
func (s *decide) actionEnv() *rules.ActionEnv {
	if s.env == nil {
		rr := rules.NewRequest("", s.req.Now, s.req.State)
		s.env = rules.NewActionEnv(&rr)
	}
	return s.env
}

// choose ranks the candidates, keeps the top n above the threshold and
// suppresses the rest.
func (s *decide) choose(d *Decision, cands []candidate, ps []parts) {
	slices.SortFunc(cands, func(x, y candidate) int {
		if c := compareDesc(x.score, y.score); c != 0 {
			return c
		}
		return x.i - y.i
	})
	n := s.req.N
	if n <= 0 {
		n = DefaultN
	}
	n = min(n, MaxN)
	used := map[string]bool{}
	for _, cd := range cands {
		a := &s.c.actions[cd.i]
		switch {
		case !(cd.score > s.e.cfg.Threshold):
			d.Suppressed = append(d.Suppressed, Suppressed{ActionID: a.ID, Reason: ReasonBelowThreshold, Score: cd.score})
		case len(d.Actions) >= n:
			d.Suppressed = append(d.Suppressed, Suppressed{ActionID: a.ID, Reason: ReasonOutranked, Score: cd.score})
		default:
			d.Actions = append(d.Actions, s.chosen(cd, ps[cd.p], used))
		}
	}
	for _, set := range consent.FeatureSets {
		if used[string(set)] {
			d.UsedSets = append(d.UsedSets, string(set))
		}
	}
	switch {
	case len(d.Actions) > 0:
	case len(cands) > 0:
		d.NoAction = NoneBelowThreshold
	case !s.grant.Has(s.req.Channel):
		d.NoAction = NoneNoChannelConsent
	case !s.anyForChannel():
		d.NoAction = NoneNoActions
	default:
		d.NoAction = NoneNotEligible
	}
}

// anyForChannel reports whether some action lists the requested channel.
func (s *decide) anyForChannel() bool {
	for i := range s.c.actions {
		if slices.Contains(s.c.actions[i].Channels, s.req.Channel) {
			return true
		}
	}
	return false
}
