package rules

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/candorhq/candor/catalog"
)

// Candidate is one scored item the ruleset may remove, rescore or move.
type Candidate struct {
	Item  *catalog.Item
	Score float64 // always the exact sum of Parts when it was on entry
	Parts []Part
}

// Part is one named piece of a candidate's score. Apply adds a part for
// every boost or bury, whose Value is exactly the change it made, and one
// of Value 0 for the pin that placed an item, so the score stays the sum
// of its parts and every promotion is disclosed.
type Part struct {
	Kind   string  // PartPromoted, PartDemoted, PartPinned, or the scorer's own kinds
	RuleID string  // the rule, for the parts Apply adds
	Value  float64 // the contribution to the score
}

// Kinds of the parts Apply adds.
const (
	PartPromoted = "promoted"
	PartDemoted  = "demoted"
	PartPinned   = "pinned"
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
	// Errors counts condition evaluations of this request that failed at
	// run time (an index out of range, say); each counts as false. The
	// item-only parts of conditions, evaluated once per item and cached,
	// are not counted here (they count as false too).
	Errors int
	// Ops is the operations the request's conditions took (see
	// Request.Budget).
	Ops int
	// OverBudget reports that the request's budget ran out: the rules in
	// Cut had an evaluation refused, so they were not applied, or not to
	// every candidate (a refused evaluation counts as false). The trace
	// has an EffectSkipped event with SkipBudget for each.
	OverBudget bool
	Cut        []string // rule IDs, in rule order
	// DeferredFrom is the position in Candidates of the first candidate a
	// diversity moved to the end of the list, len(Candidates) when none
	// was (a pinned one does not count: its pin places it): the list holds
	// DeferredFrom candidates that keep to every diversity, and the rest
	// backfill it. A caller with more candidates to give can give them
	// (recommend widens its pool).
	DeferredFrom int
}

// Warning returns, when the request's rules budget ran out, a sentence
// for the response's warnings that names the rules it cut; else "".
func (res *Result) Warning() string {
	if !res.OverBudget {
		return ""
	}
	ids := res.Cut
	more := ""
	if len(ids) > 10 {
		ids, more = ids[:10], fmt.Sprintf(" and %d more", len(res.Cut)-10)
	}
	return fmt.Sprintf("the rules took more than their budget of operations, so rules %s%s were not fully applied", strings.Join(ids, ", "), more)
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
	EffectRemoved  = "removed"  // Reason: filter, exclude_purchased or limit
	EffectDeferred = "deferred" // Reason: diversity; moved to the end of the list
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
	SkipBudget    = "budget"    // the request's rules budget ran out (see Result.OverBudget)
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
//  4. The candidates are sorted by score; then, in rule order, each limit
//     keeps the best Max matches, and each diversity keeps the best Max per
//     category (top level) or brand in place and moves the rest, in order,
//     to the end of the list (they backfill; a diversity never shortens a
//     list).
//  5. Each pin, in rule order, moves its item (or the best match) to its
//     slot, or the next free one; pins never move sensitive items.
//
// Apply works in place: it reorders cands, changes their scores and
// replaces (never writes into) their Parts; Result.Candidates shares cands'
// backing array. Clone cands to apply two rulesets to the same candidates.
// Candidates without an Item are dropped.
func (c *Compiled) Apply(req Request, cands []Candidate) Result {
	r := getRun(c, &req, cands)
	defer putRun(r)
	r.begin()
	r.removeAndScore()
	r.sort()
	r.cut()
	r.pin()
	r.finish()
	return r.result()
}

// removeAndScore drops removed candidates and applies boosts and buries,
// leaving the rest in r.work (score unchanged) and r.moved (changed).
func (r *run) removeAndScore() {
	for i := range r.cands {
		it := r.cands[i].Item
		if it == nil {
			continue
		}
		r.fs[i] = r.factsOf(it)
		s := slot{i: int32(i), score: r.cands[i].Score}
		if r.removed(&s) {
			continue
		}
		if r.score(&s); s.hi > s.lo {
			r.moved = append(r.moved, s)
			continue
		}
		r.work = append(r.work, s)
	}
}

// removed reports whether a filter or exclude_purchased removes s, and
// traces the first such rule in rule order.
func (r *run) removed(s *slot) bool {
	id := r.cands[s.i].Item.ID
	f := r.fs[s.i]
	fast, ok := first(&r.removes, &f.match)
	var bought int64 // Unix ns of the last purchase of the item; 0: never
	looked := false
	for _, i := range r.slowRm {
		if ok && i > fast {
			break
		}
		cr := &r.c.rules[i]
		if !f.match.has(i) || !r.matches(i, s) {
			continue
		}
		if cr.kind == kindExcludePurchased {
			if !looked {
				bought, looked = r.bought.last(r.cands[s.i].Item), true
			}
			if bought == 0 || cr.lookback > 0 && r.req.Now.UnixNano()-bought > int64(cr.lookback) {
				continue
			}
		}
		r.event(cr.ID, id, EffectRemoved, cr.Action.Type, 0)
		return true
	}
	if ok {
		r.event(r.c.rules[fast].ID, id, EffectRemoved, ActionFilter, 0)
	}
	return ok
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

// score applies the matching boosts and buries in rule order, recording
// the changes in r.deltas[s.lo:s.hi].
func (r *run) score(s *slot) {
	s.lo = int32(len(r.deltas))
	f := r.fs[s.i]
	k := 0 // next in r.slowSc; both lists are in rule order, merged
	for w := range r.scores {
		for x := r.scores[w] & f.match[w]; x != 0; x &= x - 1 {
			i := w*64 + bits.TrailingZeros64(x)
			for ; k < len(r.slowSc) && r.slowSc[k] < i; k++ {
				r.boostSlow(r.slowSc[k], s)
			}
			r.boost(i, s)
		}
	}
	for ; k < len(r.slowSc); k++ {
		r.boostSlow(r.slowSc[k], s)
	}
	s.hi = int32(len(r.deltas))
}

// delta is the change one boost or bury made to one score. Deltas carry
// no pointers, so recording them is cheap; the parts are made only for
// the candidates that remain (see result).
type delta struct {
	rule  int32
	value float64
}

// boostSlow applies rule i to s if it matches.
func (r *run) boostSlow(i int, s *slot) {
	if r.fs[s.i].match.has(i) && r.matches(i, s) {
		r.boost(i, s)
	}
}

// boost applies rule i to s.
func (r *run) boost(i int, s *slot) {
	cr := &r.c.rules[i]
	if cr.kind == kindBoost && r.sensitive(s) {
		return
	}
	d := cr.Action.Add
	if cr.Action.Factor != 0 {
		d = s.score*cr.Action.Factor - s.score
	}
	r.deltas = append(r.deltas, delta{rule: int32(i), value: d})
	s.score += d
	if r.req.Trace {
		effect := EffectPromoted
		if cr.kind == kindBury {
			effect = EffectDemoted
		}
		r.event(cr.ID, r.cands[s.i].Item.ID, effect, "", d)
	}
}

// result gives the remaining candidates their new scores and parts, and
// moves them, in order, to the front of cands.
func (r *run) result() Result {
	r.parts()
	r.res.DeferredFrom = len(r.work)
	if k := slices.IndexFunc(r.work, func(s slot) bool { return s.deferred && s.pin == 0 }); k >= 0 {
		r.res.DeferredFrom = k
	}
	if slices.IsSortedFunc(r.work, func(a, b slot) int { return int(a.i - b.i) }) {
		for k, s := range r.work { // only removals: compact in place
			if int(s.i) != k {
				r.cands[k] = r.cands[s.i]
			}
		}
		r.res.Candidates = r.cands[:len(r.work)]
		return r.res
	}
	r.out = slices.Grow(r.out[:0], len(r.work))
	for _, s := range r.work {
		r.out = append(r.out, r.cands[s.i])
	}
	n := copy(r.cands, r.out)
	r.res.Candidates = r.cands[:n]
	return r.res
}

// parts writes the score and parts of each remaining candidate that a
// boost or bury changed or a pin placed: its own parts, then one per
// change, then the pin's, copied to one new array so that the caller's
// Parts are never written.
func (r *run) parts() {
	n := 0
	for _, s := range r.work {
		if s.hi > s.lo || s.pin != 0 {
			n += len(r.cands[s.i].Parts) + int(s.hi-s.lo) + 1
		}
	}
	if n == 0 {
		return
	}
	arena := make([]Part, 0, n)
	for _, s := range r.work {
		if s.hi == s.lo && s.pin == 0 {
			continue
		}
		c := &r.cands[s.i]
		lo := len(arena)
		arena = append(arena, c.Parts...)
		for _, d := range r.deltas[s.lo:s.hi] {
			kind := PartPromoted
			if r.c.rules[d.rule].kind == kindBury {
				kind = PartDemoted
			}
			arena = append(arena, Part{Kind: kind, RuleID: r.c.rules[d.rule].ID, Value: d.value})
		}
		if s.pin != 0 {
			arena = append(arena, Part{Kind: PartPinned, RuleID: r.c.rules[s.pin-1].ID})
		}
		c.Parts, c.Score = arena[lo:len(arena):len(arena)], s.score
	}
}
