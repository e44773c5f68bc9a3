package recommend

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// Config of the scorer; zero values take the defaults. How evidence is
// weighed is not configured here: it is part of the live model (see
// models.Scoring). Diversity is a rule of the marketers' ruleset.
type Config struct {
	ReadBudget    time.Duration // default 25ms; past it the answer is the fallback
	Replenishable []string      // top categories whose purchased items may be shown again
}

// Service answers recommendation requests.
type Service struct {
	reader    StateReader
	model     func() Model
	retired   func() bool
	catalog   func() *catalog.Snapshot
	request   func(gpc bool) consent.Request
	feedback  func(map[string]string) features.FeedbackState
	decisions Recorder
	store     DecisionStore
	rules     func() *rules.Compiled
	cfg       Config
	replen    map[string]bool
	breaker   *gobreaker.CircuitBreaker[*features.State]
	popular   popularCache
	bare      catalogModels // answers while no model may be used
	now       func() time.Time
}

// Recorder keeps decision records off the request path.
type Recorder interface {
	Record(resp *Response)
}

// Deps are the Service's collaborators.
type Deps struct {
	Reader    StateReader
	Model     func() Model             // the live model; nil until one is loaded, and once it retired
	Retired   func() bool              // whether a model is held but retired; may be nil
	Catalog   func() *catalog.Snapshot // the live catalog
	Request   func(gpc bool) consent.Request
	Feedback  func(map[string]string) features.FeedbackState
	Decisions Recorder               // may be nil
	Store     DecisionStore          // for reading decisions back; may be nil
	Rules     func() *rules.Compiled // the live ruleset; nil means none
	Now       func() time.Time       // the clock; nil means time.Now
}

// NewService returns the scorer.
func NewService(d Deps, cfg Config) *Service {
	if cfg.ReadBudget <= 0 {
		cfg.ReadBudget = 25 * time.Millisecond
	}
	s := &Service{reader: d.Reader, model: d.Model, retired: d.Retired, catalog: d.Catalog, request: d.Request, feedback: d.Feedback,
		decisions: d.Decisions, store: d.Store, rules: d.Rules, cfg: cfg, replen: map[string]bool{}, now: d.Now}
	if s.now == nil {
		s.now = time.Now
	}
	for _, c := range cfg.Replenishable {
		s.replen[c] = true
	}
	s.breaker = gobreaker.NewCircuitBreaker[*features.State](gobreaker.Settings{
		Name: "state-read", Timeout: 2 * time.Second, Interval: 10 * time.Second, ReadyToTrip: readyToTrip,
	})
	return s
}

// readyToTrip opens the breaker when Redis looks down, not when it is
// only slow now and then: five failures in a row, and at least half of the
// reads of the last interval failed. A down Redis trips it after five
// requests; a few reads past the budget on a busy machine among thousands
// that were not do not turn every following request into the fallback.
func readyToTrip(c gobreaker.Counts) bool {
	return c.ConsecutiveFailures >= 5 && 2*c.TotalFailures >= c.Requests
}

// Recommend answers one request. Redis trouble never makes it fail: the
// answer is then the non-personal fallback.
func (s *Service) Recommend(ctx context.Context, req Request) (*Response, error) {
	if err := req.Normalize(s.now()); err != nil {
		return nil, err
	}
	cat := s.catalog()
	m, fb := s.modelOrBare(cat)
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet and the catalog is empty; try again shortly.")
	}
	var st *features.State
	if !fb.Active {
		st, fb = s.read(ctx, m, &req)
	}
	resp := s.build(m, cat, st, fb, &req, s.ruleset(), nil)
	b, err := encodeAnswer(resp)
	if err != nil {
		return nil, candor.Wrap("recommend.Recommend", err)
	}
	resp.encoded = b // made once: the handler writes these bytes
	if s.decisions != nil {
		s.decisions.Record(resp)
	}
	return resp, nil
}

// modelOrBare returns the live model, or while there is none that may be
// used, the catalog model and the fallback that says why; nil when the
// catalog is empty too. A model that knows no item (trained on an empty
// store, as a server's first model is before any import) counts as none:
// its answers would be empty. Nothing is read for a catalog-model answer:
// it uses no one's data.
func (s *Service) modelOrBare(cat *catalog.Snapshot) (Model, Fallback) {
	if m := s.model(); m != nil && m.NumItems() > 0 {
		return m, Fallback{}
	}
	if cat == nil || cat.Len() == 0 {
		return nil, Fallback{}
	}
	reason := FallbackNoModel
	if s.retired != nil && s.retired() {
		reason = FallbackModelRetired
	}
	return s.bare.get(cat), Fallback{Active: true, Reason: reason}
}

// read runs the gated read within the budget, through the breaker, for
// as much history as model m uses.
func (s *Service) read(ctx context.Context, m Model, req *Request) (*features.State, Fallback) {
	if req.CustomerID == "" {
		return nil, Fallback{}
	}
	creq := s.request(req.GPC)
	creq.Now = req.Now
	return s.ReadGated(ctx, req.CustomerID, creq, features.ReadOptions{Recent: m.Scoring().MaxEvidence})
}

// ReadGated is the consent-gated read of one customer as recommendations
// make it: within the read budget and through the circuit breaker. When
// the store is slow or down it returns nil and the Fallback that says
// why, so the caller answers without personal data instead of failing.
// Next-best actions read through it too, so both fall back alike.
func (s *Service) ReadGated(ctx context.Context, customerID string, creq consent.Request, o features.ReadOptions) (*features.State, Fallback) {
	st, err := s.breaker.Execute(func() (*features.State, error) {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.ReadBudget)
		defer cancel()
		return s.reader.ReadState(rctx, customerID, creq, o)
	})
	switch {
	case err == nil:
		return st, Fallback{}
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, Fallback{Active: true, Reason: "circuit_open"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		// The budget passed: go-redis sets it on the socket, and a read
		// cut off there says "i/o timeout", not the context's error.
		return nil, Fallback{Active: true, Reason: "timeout"}
	}
	return nil, Fallback{Active: true, Reason: "store_unavailable"}
}

// Rank answers one request for a state the caller already has, exactly as
// Recommend answers it after the gated read (with the live ruleset), and
// records nothing. It is how offline evaluation ranks: st must hold only
// what the customer grants, as the gated read's does.
func (s *Service) Rank(st *features.State, req Request) (*Response, error) {
	if err := req.Normalize(s.now()); err != nil {
		return nil, err
	}
	m := s.model()
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet; try again shortly.")
	}
	return s.build(m, s.catalog(), st, Fallback{}, &req, s.ruleset(), nil), nil
}

// RankIDs ranks exactly as Rank does and returns only the items, best
// first: the same evidence, selection, scores and rules, without writing
// the explanations, which do not change the order. Offline evaluation
// needs only the order.
func (s *Service) RankIDs(st *features.State, req Request) ([]string, error) {
	if err := req.Normalize(s.now()); err != nil {
		return nil, err
	}
	m := s.model()
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet; try again shortly.")
	}
	var warnings []string
	acc := getAcc(m.NumItems())
	defer putAcc(acc)
	acc.ev = gather(acc.ev[:0], m, st, &req)
	cands, _, _ := s.rank(acc, m, s.catalog(), st, acc.ev, &req, s.ruleset(), nil, &warnings)
	out := make([]string, len(cands))
	for i := range cands {
		out[i] = cands[i].id
	}
	return out, nil
}

// build scores, filters and explains.
func (s *Service) build(m Model, cat *catalog.Snapshot, st *features.State, fb Fallback, req *Request, rs *rules.Compiled, tr *Trace) *Response {
	resp := &Response{DecisionID: NewDecisionID(), ModelVersion: m.Version(), Fallback: fb,
		Placement: req.Placement, CustomerID: req.CustomerID, Time: req.Now.UTC().Format(time.RFC3339Nano)}
	if st != nil {
		resp.consentHead = st.ConsentHead
	}
	resp.Personalization = personalization(st)
	acc := getAcc(m.NumItems()) // its buffers hold the request's scratch until the answer is made
	defer putAcc(acc)
	acc.ev = acc.ev[:0]
	if !fb.Active {
		acc.ev = gather(acc.ev, m, st, req)
	}
	idx := s.popular.get(m, cat)
	resp.Warnings = contextWarnings(m, cat, idx, req)
	resp.RulesetVersion = rs.Version()
	cands, parts, short := s.rank(acc, m, cat, st, acc.ev, req, rs, tr, &resp.Warnings)
	resp.Items = make([]Item, 0, len(cands))
	x := &explainer{cat: cat, items: len(cands), explainScratch: acc.xs, evidence: countParts(cands)}
	defer func() { acc.xs = x.explainScratch }() // grown, for the next request
	for k := range cands {
		c := &cands[k]
		x.parts = parts.of(c, x.parts[:0])
		reasons, score := x.explain(x.parts)
		resp.Items = append(resp.Items, Item{ItemID: c.id, Title: c.item.Title, Category: c.item.Category, Score: score, Reasons: reasons,
			Controls: x.controls(c.id, c.item.TopCategory(), idx.hide[c.idx], reasons)})
	}
	resp.Short = short
	if tr != nil {
		tr.Short = short
	}
	return resp
}

// rank returns the best n eligible candidates after the rules, with their
// parts. Filters apply while candidates are selected; when the rules leave
// fewer than n, or a diversity has to backfill the first n for want of
// other categories or brands in the pool, and more eligible items exist,
// it selects again from a pool four times larger (for a diversity, up to
// diversityPools times the first). A list shorter than n comes with its
// reason.
func (s *Service) rank(acc *accumulator, m Model, cat *catalog.Snapshot, st *features.State, ev []evidence, req *Request, rs *rules.Compiled, tr *Trace, warnings *[]string) ([]candidate, candidateParts, *Shortfall) {
	accumulate(m, ev, acc)
	idx := s.popular.get(m, cat)
	f := newFilterer(m, idx, acc, st, s.feedbackOf(st), req, s.replen)
	np := newNonPersonal(m, idx, st, req, bestEligible(m, acc, f), len(ev))
	before := len(*warnings)
	first := poolSize(req.N, rs)
	for want := first; ; want = min(4*want, m.NumItems()) {
		tr.reset()
		*warnings = (*warnings)[:before] // a pass redone with a larger pool warns afresh
		sel := newSelection(m, acc, f, np, tr, max(want, 1))
		sel.run()
		exhausted := !sel.full()
		picks := withPinned(sel.sorted(), m, rs, acc, f, np)
		cands, parts := candidates(m, idx, picks, acc, ev, np)
		cands, diverse := applyRules(rs, cands, cat, st, req, tr, warnings)
		done := exhausted || want >= m.NumItems()
		if len(cands) >= req.N && (diverse >= req.N || done || want >= diversityPools*first) {
			return cands[:req.N], parts, nil
		}
		if done && len(cands) < req.N {
			return cands, parts, shortfall(m, cat, f, req.N, len(cands))
		}
	}
}

// diversityPools bounds how far rank widens its pool for a diversity: twice,
// to 16 times the first pool (640 candidates for n = 10). A customer whose
// declared taste lifts every item of one category needs that depth to find
// the best of the others (the demo's c-00002: 4 categories of 10 at four
// times, 10 at 16, about 1 ms more a request). The rules' own budget still
// bounds each pass (rules.DefaultBudget; past it the answer warns), and a
// ruleset's cost estimate assumes 200 candidates, so an expensive ruleset
// with a diversity may have rules cut in the widest pass.
const diversityPools = 16

// poolSize is how many eligible candidates are selected first: n without
// rules, more with rules, whose boosts may lift items from below the top n
// and whose filters may remove some.
func poolSize(n int, rs *rules.Compiled) int {
	if rs == emptyRules || rs.Len() == 0 {
		return n
	}
	return 2*n + 20
}

// withPinned adds the items the ruleset pins, so a pin can place an item
// the evidence did not reach; the filters still apply to it.
func withPinned(picks []pick, m Model, rs *rules.Compiled, acc *accumulator, f *filterer, np *nonPersonal) []pick {
	for _, id := range rs.PinnedItems() {
		j, ok := m.Lookup(id)
		if !ok || slices.ContainsFunc(picks, func(p pick) bool { return p.j == j }) {
			continue
		}
		if why, _ := f.drop(j, id); why == "" {
			picks = append(picks, pick{j, acc.score[j] + np.sum(j)})
		}
	}
	return picks
}

// candidates gives the picks their exact parts, best first.
func candidates(m Model, idx *popular, picks []pick, acc *accumulator, ev []evidence, np *nonPersonal) ([]candidate, candidateParts) {
	out := make([]candidate, len(picks))
	for k, p := range picks {
		acc.slot[p.j] = int32(k)
		out[k] = candidate{idx: p.j, id: m.ItemID(p.j), item: idx.items[p.j]}
	}
	personal, off := personalParts(m, ev, acc, out)
	arena := make([]part, 0, 2*len(out))
	for k := range out {
		c := &out[k]
		acc.slot[c.idx] = -1
		c.lo, c.hi, c.nlo = int(off[k]), int(off[k+1]), len(arena)
		arena = np.parts(c.idx, arena)
		c.nhi = len(arena)
		c.score = sumPersonal(personal[c.lo:c.hi]) + sumParts(arena[c.nlo:c.nhi])
	}
	slices.SortStableFunc(out, func(a, b candidate) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.id, b.id)
	})
	return out, candidateParts{personal: personal, ev: ev, nonPersonal: arena}
}

// candidateParts are the arenas candidates' parts live in.
type candidateParts struct {
	personal    []personalPart
	ev          []evidence // what personal parts point into
	nonPersonal []part
}

// countParts returns how many parts cands have: the most evidence their
// reasons can name, so a long history's answer names it in one arena.
func countParts(cands []candidate) int {
	n := 0
	for i := range cands {
		c := &cands[i]
		n += c.hi - c.lo + c.nhi - c.nlo + len(c.extra)
	}
	return n
}

// of appends all parts of c to ps in order: personal, non-personal, rules.
func (cp candidateParts) of(c *candidate, ps []part) []part {
	for _, p := range cp.personal[c.lo:c.hi] {
		ps = append(ps, p.part(cp.ev))
	}
	ps = append(ps, cp.nonPersonal[c.nlo:c.nhi]...)
	return append(ps, c.extra...)
}

func (s *Service) feedbackOf(st *features.State) features.FeedbackState {
	if st == nil || s.feedback == nil {
		return features.FeedbackState{}
	}
	return s.feedback(st.Feedback)
}

// personalization reports which sets were used and why others were not.
// The answer depends only on each set's reason, so it is made once per
// combination and shared (responses never modify it).
func personalization(st *features.State) Personalization {
	key, ok := personalizationKey(st)
	if !ok {
		return makePersonalization(st)
	}
	if p, ok := personalizations.Load(key); ok {
		return p.(Personalization)
	}
	p := makePersonalization(st)
	personalizations.Store(key, p)
	return p
}

// personalizations caches Personalization by personalizationKey.
var personalizations sync.Map

// reasonCodes number the reasons a set can be withheld for (0: granted).
var reasonCodes = map[string]uint32{"": 0, consent.ReasonNoRecord: 1, consent.ReasonDenied: 2, consent.ReasonExpired: 3,
	consent.ReasonReconsentNeeded: 4, consent.ReasonGPC: 5}

// personalizationKey packs each feature set's reason in 3 bits (1<<31: no
// state read); ok is false for a reason without a code.
func personalizationKey(st *features.State) (uint32, bool) {
	if st == nil {
		return 1 << 31, true
	}
	var key uint32
	for i, set := range consent.FeatureSets {
		code, ok := reasonCodes[st.Decision.Effective(set).Reason]
		if !ok {
			return 0, false
		}
		key |= code << (3 * i)
	}
	return key, true
}

func makePersonalization(st *features.State) Personalization {
	p := Personalization{Level: "none", UsedSets: []string{}, Withheld: []Withheld{}}
	for _, set := range consent.FeatureSets {
		if st == nil {
			p.Withheld = append(p.Withheld, Withheld{Set: string(set), Reason: "not_read"})
			continue
		}
		e := st.Decision.Effective(set)
		if e.Granted {
			p.UsedSets = append(p.UsedSets, string(set))
		} else {
			p.Withheld = append(p.Withheld, Withheld{Set: string(set), Reason: e.Reason})
		}
	}
	if st != nil {
		p.Level = st.Grant().Level()
	}
	return p
}

// contextWarnings names the request's context that cannot be used: a
// context or cart item not in the catalog or not in the model, and a
// category no item of the catalog is filed under (a misspelt one, say)
// or none the model knows yet, which then makes no item popular in it.
func contextWarnings(m Model, cat *catalog.Snapshot, idx *popular, req *Request) []string {
	var w []string
	if c := strings.ToLower(req.Category); c != "" && idx.catID(c) == noCategory {
		where := "no item of the catalog is in it"
		if idx.inCatalog[c] {
			where = "its items are not in the model yet"
		}
		w = append(w, fmt.Sprintf("context category %q: %s, so none is shown as popular in it", req.Category, where))
	}
	for _, id := range append([]string{req.ItemID}, req.Cart...) {
		if id == "" {
			continue
		}
		if _, ok := cat.Get(id); !ok {
			w = append(w, "context item "+id+" is not in the catalog; ignored")
		} else if _, ok := m.Lookup(id); !ok {
			w = append(w, "context item "+id+" is not in the model yet; ignored")
		}
	}
	return w
}

// NewDecisionID returns a new decision ID: 128 random bits in hex. It
// says nothing about the customer; whose decision it is is known only from
// where its record is stored.
func NewDecisionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Live returns the versions a request would be answered with now: the
// live model's ("" when none is loaded) and the live ruleset's (0 when
// none).
func (s *Service) Live() (model string, ruleset int) {
	if m := s.model(); m != nil {
		model = m.Version()
	}
	return model, s.ruleset().Version()
}

// Level returns how personal an answer read from st is: "full", "partial"
// or "none" (nil st: nothing was read), as Response.Personalization.Level.
func Level(st *features.State) string { return personalization(st).Level }

func (s *Service) ruleset() *rules.Compiled {
	if s.rules != nil {
		if c := s.rules(); c != nil {
			return c
		}
	}
	return emptyRules
}

var emptyRules = rules.Empty("default")
