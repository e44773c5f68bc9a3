package recommend

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// Config of the scorer; zero values take the defaults.
type Config struct {
	Weights       Weights
	ReadBudget    time.Duration // default 25ms; past it the answer is the fallback
	Diversity     int           // at most this many items per top category; default 3
	Replenishable []string      // categories whose purchased items may be shown again
}

// Service answers recommendation requests.
type Service struct {
	reader    StateReader
	model     func() Model
	catalog   func() *catalog.Snapshot
	request   func(gpc bool) consent.Request
	feedback  func(map[string]string) features.FeedbackState
	decisions Recorder
	store     DecisionStore
	onGPC     func(customerID string)
	rules     func() *rules.Compiled
	cfg       Config
	replen    map[string]bool
	breaker   *gobreaker.CircuitBreaker[*features.State]
	popular   popularCache
	now       func() time.Time
}

// Recorder keeps decision records off the request path.
type Recorder interface {
	Record(resp *Response)
}

// Deps are the Service's collaborators.
type Deps struct {
	Reader    StateReader
	Model     func() Model             // the live model; nil until one is loaded
	Catalog   func() *catalog.Snapshot // the live catalog
	Request   func(gpc bool) consent.Request
	Feedback  func(map[string]string) features.FeedbackState
	Decisions Recorder                // may be nil
	Store     DecisionStore           // for reading decisions back; may be nil
	OnGPC     func(customerID string) // may be nil; must not block
	Rules     func() *rules.Compiled  // the live ruleset; nil means none
}

// NewService returns the scorer.
func NewService(d Deps, cfg Config) *Service {
	if cfg.Weights == (Weights{}) {
		cfg.Weights = DefaultWeights()
	}
	if cfg.ReadBudget <= 0 {
		cfg.ReadBudget = 25 * time.Millisecond
	}
	if cfg.Diversity <= 0 {
		cfg.Diversity = 3
	}
	s := &Service{reader: d.Reader, model: d.Model, catalog: d.Catalog, request: d.Request, feedback: d.Feedback,
		decisions: d.Decisions, store: d.Store, onGPC: d.OnGPC, rules: d.Rules, cfg: cfg, replen: map[string]bool{}, now: time.Now}
	for _, c := range cfg.Replenishable {
		s.replen[c] = true
	}
	s.breaker = gobreaker.NewCircuitBreaker[*features.State](gobreaker.Settings{
		Name: "state-read", Timeout: 2 * time.Second, Interval: 10 * time.Second,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
	})
	return s
}

// Recommend answers one request. Redis trouble never makes it fail: the
// answer is then the non-personal fallback.
func (s *Service) Recommend(ctx context.Context, req Request) (*Response, error) {
	if err := req.Normalize(s.now()); err != nil {
		return nil, err
	}
	m := s.model()
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet; try again shortly.")
	}
	cat := s.catalog()
	st, fb := s.read(ctx, &req)
	resp := s.build(m, cat, st, fb, &req, s.ruleset(), nil)
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, candor.Wrap("recommend.Recommend", err)
	}
	resp.encoded = b // the record and the answer are the same bytes
	if s.decisions != nil {
		s.decisions.Record(resp)
	}
	return resp, nil
}

// read runs the gated read within the budget, through the breaker.
func (s *Service) read(ctx context.Context, req *Request) (*features.State, Fallback) {
	if req.CustomerID == "" {
		return nil, Fallback{}
	}
	creq := s.request(req.GPC)
	creq.Now = req.Now
	if req.GPC && s.onGPC != nil {
		s.onGPC(req.CustomerID)
	}
	st, err := s.breaker.Execute(func() (*features.State, error) {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.ReadBudget)
		defer cancel()
		return s.reader.ReadState(rctx, req.CustomerID, creq)
	})
	switch {
	case err == nil:
		return st, Fallback{}
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, Fallback{Active: true, Reason: "circuit_open"}
	case errors.Is(err, context.DeadlineExceeded):
		return nil, Fallback{Active: true, Reason: "timeout"}
	}
	return nil, Fallback{Active: true, Reason: "store_unavailable"}
}

// build scores, filters and explains.
func (s *Service) build(m Model, cat *catalog.Snapshot, st *features.State, fb Fallback, req *Request, rs *rules.Compiled, tr *Trace) *Response {
	resp := &Response{DecisionID: newDecisionID(req.CustomerID), ModelVersion: m.Version(), Fallback: fb,
		Placement: req.Placement, CustomerID: req.CustomerID, Time: req.Now.UTC().Format(time.RFC3339Nano)}
	resp.Personalization = personalization(st)
	var ev []evidence
	if !fb.Active {
		ev = gather(m, st, req, s.cfg.Weights)
	}
	resp.Warnings = contextWarnings(m, cat, req)
	cands, parts := s.candidates(m, cat, st, ev, req, rs, tr)
	resp.RulesetVersion = rs.Version()
	cands = applyRules(rs, cands, cat, st, req, tr, &resp.Warnings)
	for _, c := range s.diversify(cands, req.N) {
		it := c.item
		reasons, score := explain(parts.of(&c), cat)
		resp.Items = append(resp.Items, Item{ItemID: c.id, Title: it.Title, Category: it.Category, Score: score, Reasons: reasons, Controls: controls(it, reasons)})
	}
	if resp.Items == nil {
		resp.Items = []Item{}
	}
	return resp
}

// candidates are the pool items that survive the filters, with exact parts,
// best first.
func (s *Service) candidates(m Model, cat *catalog.Snapshot, st *features.State, ev []evidence, req *Request, rs *rules.Compiled, tr *Trace) ([]candidate, candidateParts) {
	acc := getAcc(m.NumItems())
	defer putAcc(acc)
	accumulate(m, ev, acc)
	pool := withPinned(s.pool(m, cat, acc, st, req), m, rs)
	f := newFilterer(cat, s.popular.get(m, cat), st, s.feedbackOf(st), req, s.replen)
	out := make([]candidate, 0, len(pool))
	for _, j := range pool {
		id := m.ItemID(j)
		why, it := f.drop(j, id)
		if why != "" {
			tr.removed(id, why)
			continue
		}
		acc.slot[j] = int32(len(out))
		out = append(out, candidate{idx: j, id: id, item: it})
	}
	personal, off := personalParts(m, ev, acc.slot, len(out))
	np := make([]part, 0, 2*len(out))
	for k := range out {
		c := &out[k]
		acc.slot[c.idx] = -1
		c.lo, c.hi, c.nlo = int(off[k]), int(off[k+1]), len(np)
		np = s.nonPersonalParts(m, c.item, c.idx, st, req, np)
		c.nhi = len(np)
		c.score = sumPersonal(personal[c.lo:c.hi]) + sumParts(np[c.nlo:c.nhi])
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.id, b.id)
	})
	return out, candidateParts{personal: personal, ev: ev, nonPersonal: np}
}

// candidateParts are the arenas candidates' parts live in.
type candidateParts struct {
	personal    []personalPart
	ev          []evidence // what personal parts point into
	nonPersonal []part
}

// of returns all parts of c in order: personal, non-personal, rules.
func (cp candidateParts) of(c *candidate) []part {
	ps := make([]part, 0, c.hi-c.lo+c.nhi-c.nlo+len(c.extra))
	for _, p := range cp.personal[c.lo:c.hi] {
		ps = append(ps, p.part(cp.ev))
	}
	ps = append(ps, cp.nonPersonal[c.nlo:c.nhi]...)
	return append(ps, c.extra...)
}

// pool is the best-scoring items the evidence reached plus popular items
// (in the context or declared categories when there are any).
func (s *Service) pool(m Model, cat *catalog.Snapshot, acc *accumulator, st *features.State, req *Request) []int32 {
	pool := topTouched(acc, 4*req.N+40)
	seen := make(map[int32]bool, len(pool)+popularListLen)
	for _, j := range pool {
		seen[j] = true
	}
	pop := s.popular.get(m, cat)
	lists := [][]int32{pop.overall}
	if req.Category != "" {
		lists = append(lists, pop.byCat[req.Category])
	}
	if st != nil && st.Declared != nil {
		for _, c := range st.Declared.Categories {
			lists = append(lists, pop.byCat[c])
		}
	}
	for _, l := range lists {
		for _, j := range l {
			if !seen[j] {
				seen[j] = true
				pool = append(pool, j)
			}
		}
	}
	return pool
}

// withPinned adds the items the ruleset pins, so a pin can place an item
// the evidence did not reach; the filters still apply to it.
func withPinned(pool []int32, m Model, rs *rules.Compiled) []int32 {
	for _, id := range rs.PinnedItems() {
		j, ok := m.Lookup(id)
		if ok && !slices.Contains(pool, j) {
			pool = append(pool, j)
		}
	}
	return pool
}

// nonPersonalParts adds the declared-preference and popularity parts.
func (s *Service) nonPersonalParts(m Model, it *catalog.Item, j int32, st *features.State, req *Request, arena []part) []part {
	w := s.cfg.Weights
	if st != nil && st.Declared != nil {
		for _, c := range st.Declared.Categories {
			if strings.EqualFold(c, it.TopCategory()) {
				arena = append(arena, part{kind: KindDeclaredPreference, set: string(consent.Declared), evidence: c, value: w.Declared})
			}
		}
	}
	if p := m.Popularity(j); p > 0 {
		kind, evidence := KindPopular, ""
		if req.Category != "" && strings.EqualFold(req.Category, it.TopCategory()) {
			kind, evidence = KindPopularInCategory, it.TopCategory()
		}
		arena = append(arena, part{kind: kind, set: "none", evidence: evidence, value: w.Popularity * p})
	}
	return arena
}

// diversify keeps at most cfg.Diversity items per top category, up to n.
func (s *Service) diversify(cands []candidate, n int) []candidate {
	per := map[string]int{}
	out := make([]candidate, 0, n)
	for _, c := range cands {
		it := c.item
		if per[it.TopCategory()] >= s.cfg.Diversity {
			continue
		}
		per[it.TopCategory()]++
		out = append(out, c)
		if len(out) == n {
			break
		}
	}
	return out
}

func (s *Service) feedbackOf(st *features.State) features.FeedbackState {
	if st == nil || s.feedback == nil {
		return features.FeedbackState{}
	}
	return s.feedback(st.Feedback)
}

// personalization reports which sets were used and why others were not.
func personalization(st *features.State) Personalization {
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
	switch n := len(p.UsedSets); {
	case n == 0:
	case st.Grant().Has(consent.Browsing) && st.Grant().Has(consent.Purchases) && st.Grant().Has(consent.Declared):
		p.Level = "full"
	default:
		p.Level = "partial"
	}
	return p
}

func contextWarnings(m Model, cat *catalog.Snapshot, req *Request) []string {
	var w []string
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

// NewDecisionID names a decision and the customer it belongs to, so the
// record can be found (and authorized) from the ID alone.
func NewDecisionID(customerID string) string { return newDecisionID(customerID) }

func newDecisionID(customerID string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	subject := "anon"
	if customerID != "" {
		subject = base64.RawURLEncoding.EncodeToString([]byte(customerID))
	}
	return subject + "." + hex.EncodeToString(b)
}

// DecisionSubject returns the customer a decision ID belongs to ("" for
// anonymous), or an EInvalid error for a malformed ID.
func DecisionSubject(id string) (string, error) {
	subject, rnd, ok := strings.Cut(id, ".")
	if !ok || len(rnd) != 18 {
		return "", candor.Errorf(candor.EInvalid, "malformed decision id %q", id)
	}
	if subject == "anon" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(subject)
	if err != nil || candor.ValidateID("customer id", string(b)) != nil {
		return "", candor.Errorf(candor.EInvalid, "malformed decision id %q", id)
	}
	return string(b), nil
}

func (s *Service) ruleset() *rules.Compiled {
	if s.rules != nil {
		if c := s.rules(); c != nil {
			return c
		}
	}
	return emptyRules
}

var emptyRules = rules.Empty("default")
