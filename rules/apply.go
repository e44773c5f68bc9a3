package rules

import (
	"cmp"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
)

// Candidate is one scored item the ruleset may remove, rescore or move.
type Candidate struct {
	Item  *catalog.Item
	Score float64 // always the exact sum of Parts when it was on entry
	Parts []Part
}

// Part is one named piece of a candidate's score. Apply adds a part for
// every boost or bury, whose Value is exactly the change it made, so the
// score stays the sum of its parts and every promotion is disclosed.
type Part struct {
	Kind   string  // PartPromoted, PartDemoted, or the scorer's own kinds
	RuleID string  // the rule, for the parts Apply adds
	Value  float64 // the contribution to the score
}

// Kinds of the parts Apply adds.
const (
	PartPromoted = "promoted"
	PartDemoted  = "demoted"
)

// Result is the outcome of applying a ruleset to one request.
type Result struct {
	// Candidates in their final order: by score, best first (ties by item
	// ID), except that pinned items sit at their slots.
	Candidates []Candidate
	// Trace lists every rule that fired, on which item and with what
	// effect, and every rule skipped for the whole request; only with
	// Request.Trace.
	Trace []Event
	// Errors counts conditions that failed at run time (an index out of
	// range, say); each counted as false.
	Errors int
}

// Event is one entry of a trace.
type Event struct {
	RuleID string  `json:"rule_id"`
	ItemID string  `json:"item_id,omitempty"` // "" when the rule was skipped for the whole request
	Effect string  `json:"effect"`            // one of the Effect* constants
	Reason string  `json:"reason,omitempty"`  // the action that removed, or why a rule was skipped
	Value  float64 `json:"value,omitempty"`   // the score change, or the slot of a pin
}

// Effects in a trace.
const (
	EffectRemoved  = "removed"  // Reason: filter, exclude_purchased, limit or diversity
	EffectPromoted = "promoted" // Value: the score added
	EffectDemoted  = "demoted"  // Value: the score added (negative)
	EffectPinned   = "pinned"   // Value: the slot
	EffectSkipped  = "skipped"  // Reason: one of the Skip* constants
)

// Why a rule was skipped for a whole request.
const (
	SkipSchedule  = "schedule"  // outside [from, until)
	SkipPlacement = "placement" // not for this placement
	SkipConsent   = "consent"   // reads a feature set the customer has not granted
	SkipCondition = "condition" // its request-level condition is false
)

// Apply runs the ruleset over the candidates of one request:
//
//  1. A rule applies only within its schedule [from, until) at req.Now, in
//     its placements, when every customer feature set it reads is granted
//     (exclude_purchased needs purchases), and when its condition holds.
//  2. filter and exclude_purchased remove matching candidates.
//  3. boost and bury, in rule order, change the score of each match and
//     add a Part with the exact change. A boost never applies to a
//     sensitive item.
//  4. The candidates are sorted by score; then each limit keeps the best
//     Max matches, and each diversity the best Max per category or brand.
//  5. Each pin, in rule order, moves its item (or the best match) to its
//     slot, or the next free one; pins never move sensitive items.
//
// Apply works in place: it reorders cands, changes their scores and
// replaces (never writes into) their Parts; Result.Candidates shares cands'
// backing array. Clone cands to apply two rulesets to the same candidates.
func (c *Compiled) Apply(req Request, cands []Candidate) Result {
	if len(c.rules) == 0 {
		sortCandidates(cands)
		return Result{Candidates: cands}
	}
	r := getRun(c, &req)
	defer putRun(r)
	r.begin()
	r.removeAndScore(cands)
	slices.SortFunc(r.work, bySlotScore)
	r.limit()
	r.diversify()
	r.pin()
	for i := range r.work {
		cands[i] = r.work[i].c
	}
	r.res.Candidates = cands[:len(r.work)]
	return r.res
}

// run is the scratch state of one Apply, pooled so that Apply allocates
// next to nothing.
type run struct {
	c       *Compiled
	req     *Request
	env     Env
	vm      vm.VM
	res     Result
	active  [len(kindNames)][]int // active rules by kind, in rule order
	removes bitset                // active filters without mixed conjuncts
	scores  bitset                // active boosts and buries without mixed conjuncts
	slow    []int                 // other active filters, boosts and buries
	all     facts                 // every rule matching: for rulesets without item conjuncts
	work    []slot
	bought  map[string]time.Time
	counts  map[string]int
	pins    []pinned
	taken   []int
	tmp     []slot
	envItem *catalog.Item
	arena   []Part
}

// slot is a candidate being worked on, with its facts.
type slot struct {
	c      Candidate
	f      *facts
	pinned bool
}

var kindNames = [...]string{ActionFilter, ActionBoost, ActionBury, ActionPin, ActionExcludePurchased, ActionDiversity, ActionLimit}

var runPool = sync.Pool{New: func() any { return &run{bought: map[string]time.Time{}, counts: map[string]int{}} }}

func getRun(c *Compiled, req *Request) *run {
	r := runPool.Get().(*run)
	r.c, r.req = c, req
	return r
}

// putRun clears what the run must not keep and returns it to the pool.
func putRun(r *run) {
	for k := range r.active {
		r.active[k] = r.active[k][:0]
	}
	clear(r.work)
	clear(r.tmp)
	r.work, r.tmp, r.slow, r.pins, r.taken = r.work[:0], r.tmp[:0], r.slow[:0], r.pins[:0], r.taken[:0]
	clear(r.bought)
	r.removes, r.scores, r.all = bitset{}, bitset{}, facts{}
	r.c, r.req, r.envItem, r.arena, r.res = nil, nil, nil, nil, Result{}
	r.env = Env{}
	runPool.Put(r)
}

// begin decides which rules apply to this request.
func (r *run) begin() {
	r.env.setRequest(r.req)
	if r.c.facts.programs == 0 {
		for i := range r.c.rules {
			r.all.match.set(i)
		}
	}
	for i := range r.c.rules {
		cr := &r.c.rules[i]
		if why := r.skip(cr); why != "" {
			r.event(cr.ID, "", EffectSkipped, why, 0)
			continue
		}
		r.active[cr.kind] = append(r.active[cr.kind], i)
		switch {
		case len(cr.cond.mixed) > 0 || cr.kind == kindExcludePurchased:
			if cr.kind == kindFilter || cr.kind == kindExcludePurchased || cr.kind == kindBoost || cr.kind == kindBury {
				r.slow = append(r.slow, i)
			}
		case cr.kind == kindFilter:
			r.removes.set(i)
		case cr.kind == kindBoost || cr.kind == kindBury:
			r.scores.set(i)
		}
	}
	if len(r.active[kindExcludePurchased]) > 0 {
		for _, p := range r.req.Purchases {
			if p.Last.After(r.bought[p.Item]) {
				r.bought[p.Item] = p.Last
			}
		}
	}
}

// skip returns why cr does not apply to the request at all, or "".
func (r *run) skip(cr *compiledRule) string {
	now, req := r.req.Now, r.req
	switch {
	case cr.From != nil && now.Before(*cr.From), cr.Until != nil && !now.Before(*cr.Until):
		return SkipSchedule
	case len(cr.Placements) > 0 && !slices.Contains(cr.Placements, req.Placement):
		return SkipPlacement
	case cr.kind == kindExcludePurchased && !req.Grant.Has(consent.Purchases):
		return SkipConsent
	}
	for _, s := range cr.cond.sets {
		if !req.Grant.Has(s) {
			return SkipConsent
		}
	}
	if !r.eval(cr.cond.request) {
		return SkipCondition
	}
	return ""
}

// eval runs programs against the run's env, counting run-time errors.
func (r *run) eval(ps []*vm.Program) bool {
	for _, p := range ps {
		out, err := r.vm.Run(p, &r.env)
		if err != nil {
			r.res.Errors++
			return false
		}
		if b, _ := out.(bool); !b {
			return false
		}
	}
	return true
}

// event appends to the trace when one was asked for.
func (r *run) event(ruleID, itemID, effect, reason string, value float64) {
	if r.req.Trace {
		r.res.Trace = append(r.res.Trace, Event{RuleID: ruleID, ItemID: itemID, Effect: effect, Reason: reason, Value: value})
	}
}

// factsOf returns the facts of it for this ruleset.
func (r *run) factsOf(it *catalog.Item) *facts {
	if r.c.facts.programs == 0 {
		return &r.all
	}
	return r.c.facts.get(r.c, it, r.req, &r.vm, &r.env)
}

// matches reports whether active rule i matches the candidate in s.
func (r *run) matches(i int, s *slot) bool {
	if !s.f.match.has(i) {
		return false
	}
	mixed := r.c.rules[i].cond.mixed
	if len(mixed) == 0 {
		return true
	}
	if r.envItem != s.c.Item {
		r.envItem = s.c.Item
		r.env.setItem(s.c.Item, r.sensitive(s))
	}
	return r.eval(mixed)
}

// sensitive reports whether the candidate in s is a sensitive item.
func (r *run) sensitive(s *slot) bool {
	if s.f == &r.all {
		return r.req.sensitive(s.c.Item)
	}
	return s.f.sensitive
}

// removeAndScore drops removed candidates and applies boosts and buries,
// filling r.work with the rest.
func (r *run) removeAndScore(cands []Candidate) {
	for i := range cands {
		if cands[i].Item == nil {
			continue
		}
		s := slot{c: cands[i]}
		s.f = r.factsOf(s.c.Item)
		if r.removed(&s) {
			continue
		}
		r.score(&s)
		r.work = append(r.work, s)
	}
}

// removed reports whether a filter or exclude_purchased removes s.
func (r *run) removed(s *slot) bool {
	if i, ok := first(&r.removes, &s.f.match); ok {
		r.event(r.c.rules[i].ID, s.c.Item.ID, EffectRemoved, ActionFilter, 0)
		return true
	}
	for _, i := range r.slow {
		cr := &r.c.rules[i]
		if cr.kind != kindFilter && cr.kind != kindExcludePurchased {
			continue
		}
		if cr.kind == kindExcludePurchased && !r.purchased(s.c.Item.ID, cr.lookback) {
			continue
		}
		if r.matches(i, s) {
			r.event(cr.ID, s.c.Item.ID, EffectRemoved, cr.Action.Type, 0)
			return true
		}
	}
	return false
}

// purchased reports whether the customer bought id within lookback (0:
// ever, as far as the store keeps).
func (r *run) purchased(id string, lookback time.Duration) bool {
	t, ok := r.bought[id]
	return ok && (lookback == 0 || r.req.Now.Sub(t) <= lookback)
}

// first returns the lowest bit set in both a and b.
func first(a, b *bitset) (int, bool) {
	for w := range a {
		if x := a[w] & b[w]; x != 0 {
			return w*64 + bits.TrailingZeros64(x), true
		}
	}
	return 0, false
}

// score applies the matching boosts and buries in rule order.
func (r *run) score(s *slot) {
	lo := -1
	for w := range r.scores {
		for x := r.scores[w] & s.f.match[w]; x != 0; x &= x - 1 {
			lo = r.boost(w*64+bits.TrailingZeros64(x), s, lo)
		}
	}
	for _, i := range r.slow {
		if k := r.c.rules[i].kind; (k == kindBoost || k == kindBury) && r.matches(i, s) {
			lo = r.boost(i, s, lo)
		}
	}
	if lo >= 0 {
		s.c.Parts = r.arena[lo:len(r.arena):len(r.arena)]
	}
}

// boost applies rule i to s. The candidate's parts are copied to the arena
// at the first change (from lo on), so cands' own Parts are never written.
func (r *run) boost(i int, s *slot, lo int) int {
	cr := &r.c.rules[i]
	if cr.kind == kindBoost && r.sensitive(s) {
		return lo
	}
	delta := cr.Action.Add
	if cr.Action.Factor != 0 {
		delta = s.c.Score*cr.Action.Factor - s.c.Score
	}
	kind, effect := PartPromoted, EffectPromoted
	if cr.kind == kindBury {
		kind, effect = PartDemoted, EffectDemoted
	}
	if lo < 0 {
		if r.arena == nil {
			r.arena = make([]Part, 0, 64)
		}
		lo = len(r.arena)
		r.arena = append(r.arena, s.c.Parts...)
	}
	r.arena = append(r.arena, Part{Kind: kind, RuleID: cr.ID, Value: delta})
	s.c.Score += delta
	r.event(cr.ID, s.c.Item.ID, effect, "", delta)
	return lo
}

// limit keeps, for each limit rule, the best Max matching candidates.
func (r *run) limit() {
	for _, i := range r.active[kindLimit] {
		kept := 0
		r.keep(func(s *slot) bool {
			if !r.matches(i, s) {
				return true
			}
			kept++
			return kept <= r.c.rules[i].Action.Max
		}, i)
	}
}

// diversify keeps, for each diversity rule, the best Max matching
// candidates per category or brand.
func (r *run) diversify() {
	for _, i := range r.active[kindDiversity] {
		clear(r.counts)
		a := r.c.rules[i].Action
		r.keep(func(s *slot) bool {
			v := s.c.Item.Brand
			if a.Field == "category" {
				v = s.c.Item.TopCategory()
			}
			if v == "" || !r.matches(i, s) {
				return true
			}
			r.counts[v]++
			return r.counts[v] <= a.Max
		}, i)
	}
}

// keep compacts r.work to the slots ok accepts, tracing rule i's removals.
func (r *run) keep(ok func(*slot) bool, i int) {
	n := 0
	for k := range r.work {
		if ok(&r.work[k]) {
			r.work[n] = r.work[k]
			n++
			continue
		}
		r.event(r.c.rules[i].ID, r.work[k].c.Item.ID, EffectRemoved, r.c.rules[i].Action.Type, 0)
	}
	clear(r.work[n:])
	r.work = r.work[:n]
}

// sortCandidates orders by score, best first, ties by item ID.
func sortCandidates(cands []Candidate) {
	slices.SortFunc(cands, func(a, b Candidate) int { return byScore(&a, &b) })
}

func bySlotScore(a, b slot) int { return byScore(&a.c, &b.c) }

func byScore(a, b *Candidate) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(itemID(a), itemID(b))
}

func itemID(c *Candidate) string {
	if c.Item == nil {
		return ""
	}
	return c.Item.ID
}
