package rules

import (
	"slices"
	"sync"

	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
)

// run is the scratch state of one Apply, pooled so that Apply allocates
// next to nothing.
type run struct {
	c        *Compiled
	req      *Request
	cands    []Candidate
	env      Env
	vm       vm.VM
	res      Result
	active   [numKinds][]int // active rules by kind, in rule order
	removes  bitset          // active filters decided by facts alone
	scores   bitset          // active boosts and buries decided by facts alone
	slowRm   []int           // other active filters and exclusions
	slowSc   []int           // other active boosts and buries
	cuts     []cut           // active limits and diversities, in rule order
	values   []operand       // request sides of comparisons, by slot
	all      facts           // every rule matching: for rulesets with nothing per item
	fs       []*facts        // by index in cands
	work     []slot
	deferred []slot // diversity: matches past its Max, in order
	moved    []slot
	out      []Candidate
	bought   purchases
	pins     []pinned
	taken    []int
	tmp      []slot
	keys     []uint64
	envItem  *catalog.Item
	table    *factTable // the facts of the request's catalog
	deltas   []delta
	m        meter // the request's operations against its budget
	prof     []int // backs m.perRule when the ruleset is profiled
}

// slot is a candidate being worked on: its index in cands (and in
// run.fs, its facts), its score so far, its score changes in
// run.deltas[lo:hi], and the pin rule that placed it (its index + 1; 0
// when none did). It holds no pointer, so sorting and moving slots costs
// the garbage collector nothing.
type slot struct {
	score    float64
	i        int32
	lo, hi   int32
	pin      int32
	deferred bool // a diversity moved it to the end of the list
}

var runPool = sync.Pool{New: func() any { return new(run) }}

func getRun(c *Compiled, req *Request, cands []Candidate) *run {
	r := runPool.Get().(*run)
	r.c, r.req, r.cands = c, req, cands
	r.m = meter{limit: budgetOf(req.Budget)}
	if c.profile != nil {
		r.prof = slices.Grow(r.prof[:0], len(c.rules))[:len(c.rules)]
		clear(r.prof)
		r.m.perRule = r.prof
	}
	return r
}

// putRun clears what the run must not keep and returns it to the pool.
func putRun(r *run) {
	for k := range r.active {
		r.active[k] = r.active[k][:0]
	}
	clear(r.out[:cap(r.out)])
	clear(r.fs)
	r.bought.reset()
	clear(r.values)
	r.work, r.moved, r.tmp, r.pins, r.taken, r.out = r.work[:0], r.moved[:0], r.tmp[:0], r.pins[:0], r.taken[:0], r.out[:0]
	r.slowRm, r.slowSc, r.cuts = r.slowRm[:0], r.slowSc[:0], r.cuts[:0]
	r.removes, r.scores, r.all = bitset{}, bitset{}, facts{}
	r.deltas = r.deltas[:0]
	r.c, r.req, r.cands, r.envItem, r.table, r.res = nil, nil, nil, nil, nil, Result{}
	r.env = Env{}
	r.m = meter{}
	runPool.Put(r)
}

// begin decides which rules apply to this request.
func (r *run) begin() {
	r.env.setRequest(r.req)
	r.fs = slices.Grow(r.fs[:0], len(r.cands))[:len(r.cands)]
	r.values = slices.Grow(r.values[:0], r.c.facts.values)[:r.c.facts.values]
	if !r.c.facts.needed() {
		for i := range r.c.rules {
			r.all.match.set(i)
		}
	}
	for i := range r.c.rules {
		cr := &r.c.rules[i]
		if why := r.skip(i, cr); why != "" {
			if why != SkipBudget {
				r.event(cr.ID, "", EffectSkipped, why, 0)
			}
			continue
		}
		r.activate(i, cr)
	}
	if len(r.active[kindExcludePurchased]) > 0 {
		r.bought.load(r.req)
	}
}

// activate files rule i under its kind, and in the fast bitsets when its
// facts alone decide whether it matches.
func (r *run) activate(i int, cr *compiledRule) {
	r.active[cr.kind] = append(r.active[cr.kind], i)
	for k := range cr.cond.compare {
		cmp := &cr.cond.compare[k]
		r.values[cmp.slot] = r.m.value(&r.vm, &r.env, i, &cmp.request)
	}
	slow := len(cr.cond.mixed)+len(cr.cond.compare) > 0
	switch cr.kind {
	case kindFilter, kindExcludePurchased:
		if slow || cr.kind == kindExcludePurchased {
			r.slowRm = append(r.slowRm, i)
		} else {
			r.removes.set(i)
		}
	case kindBoost, kindBury:
		if slow {
			r.slowSc = append(r.slowSc, i)
		} else {
			r.scores.set(i)
		}
	case kindLimit, kindDiversity:
		r.addCut(i)
	}
}

// addCut files rule i as a cut, reusing the counts of an earlier run.
func (r *run) addCut(i int) {
	n := len(r.cuts)
	if n == cap(r.cuts) {
		r.cuts = append(r.cuts, cut{})
	}
	r.cuts = r.cuts[:n+1]
	c := &r.cuts[n]
	clear(c.counts)
	c.rule, c.kept = i, 0
}

// skip returns why rule i, cr, does not apply to the request at all, or
// "". A rule whose request-level condition the budget refused is skipped
// for SkipBudget, reported with the others the budget cut (see finish).
func (r *run) skip(i int, cr *compiledRule) string {
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
	if !r.eval(i, cr.cond.request) {
		if r.m.cut.has(i) {
			return SkipBudget
		}
		return SkipCondition
	}
	return ""
}

// eval runs rule i's programs ps against the run's env within the
// request's budget, counting run-time errors.
func (r *run) eval(i int, ps []program) bool {
	ok, errs := r.m.holds(&r.vm, &r.env, i, ps)
	r.res.Errors += errs
	return ok
}

// finish reports the request's operations and, when its budget ran out,
// the rules it cut short, in rule order.
func (r *run) finish() {
	r.res.Ops = r.m.spent
	if p := r.c.profile; p != nil {
		p.add(r.m.perRule, r.m.spent, r.m.over)
	}
	if !r.m.over {
		return
	}
	overBudget.Add(1)
	r.res.OverBudget = true
	for i := range r.c.rules {
		if r.m.cut.has(i) {
			r.res.Cut = append(r.res.Cut, r.c.rules[i].ID)
			r.event(r.c.rules[i].ID, "", EffectSkipped, SkipBudget, 0)
		}
	}
	cutForCost.Add(uint64(len(r.res.Cut)))
}

// event appends to the trace when one was asked for.
func (r *run) event(ruleID, itemID, effect, reason string, value float64) {
	if r.req.Trace {
		r.res.Trace = append(r.res.Trace, Event{RuleID: ruleID, ItemID: itemID, Effect: effect, Reason: reason, Value: value})
	}
}

// factsOf returns the facts of it for this ruleset. Computing facts
// changes r.env.Item, so the next mixed evaluation must set it again.
func (r *run) factsOf(it *catalog.Item) *facts {
	if !r.c.facts.needed() {
		return &r.all
	}
	r.envItem = nil
	if r.table == nil {
		r.table = r.c.facts.table(r.req.Catalog)
	}
	return r.table.get(r.c, it, r.req, &r.vm, &r.env, &r.m)
}

// matches reports whether active rule i matches the candidate in s. Hot
// callers test the facts' match bit first, which is most often false.
func (r *run) matches(i int, s *slot) bool {
	f := r.fs[s.i]
	if !f.match.has(i) {
		return false
	}
	cond := &r.c.rules[i].cond
	for k := range cond.compare {
		cmp := &cond.compare[k]
		if !cmp.holds(&f.values[cmp.slot], &r.values[cmp.slot]) {
			return false
		}
	}
	if len(cond.mixed) == 0 {
		return true
	}
	if it := r.cands[s.i].Item; r.envItem != it {
		r.envItem = it
		r.env.setItem(it, r.sensitive(s))
	}
	return r.eval(i, cond.mixed)
}

// sensitive reports whether the candidate in s is a sensitive item.
func (r *run) sensitive(s *slot) bool {
	if f := r.fs[s.i]; f != &r.all {
		return f.sensitive
	}
	return r.req.sensitive(r.cands[s.i].Item)
}
