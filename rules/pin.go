package rules

import "slices"

// pinned is a pin decided: the index in run.work of the item, the rule
// and the slot it asks for.
type pinned struct{ work, rule, slot int }

// pin moves, for each pin rule in rule order, its item (or the best
// matching candidate) to the rule's slot. A slot an earlier pin took
// passes the item to the next free slot; a slot past the end means the
// last free one. Pins never move sensitive items.
func (r *run) pin() {
	for _, i := range r.active[kindPin] {
		if k := r.pinTarget(i); k >= 0 {
			r.work[k].pin = int32(i) + 1
			r.pins = append(r.pins, pinned{work: k, rule: i, slot: r.c.rules[i].Action.Slot})
		}
	}
	if len(r.pins) > 0 {
		r.arrange()
	}
}

// pinTarget returns the index in r.work of the candidate rule i pins, or -1.
func (r *run) pinTarget(i int) int {
	want := r.c.rules[i].Action.ItemID
	for k := range r.work {
		s := &r.work[k]
		if s.pin != 0 || want != "" && r.cands[s.i].Item.ID != want {
			continue
		}
		if !r.sensitive(s) && r.matches(i, s) {
			return k
		}
		if want != "" {
			return -1
		}
	}
	return -1
}

// arrange puts the pinned candidates at their positions and the others,
// in order, around them.
func (r *run) arrange() {
	n := len(r.work)
	r.taken = slices.Grow(r.taken[:0], n)[:n]
	for k := range r.taken {
		r.taken[k] = -1
	}
	for _, p := range r.pins {
		pos := freeSlot(r.taken, min(p.slot, n)-1)
		r.taken[pos] = p.work
		r.event(r.c.rules[p.rule].ID, r.cands[r.work[p.work].i].Item.ID, EffectPinned, "", float64(pos+1))
	}
	next := 0
	for pos, k := range r.taken {
		if k >= 0 {
			continue
		}
		for r.work[next].pin != 0 {
			next++
		}
		r.taken[pos] = next
		next++
	}
	r.tmp = slices.Grow(r.tmp[:0], n)[:n]
	for pos, k := range r.taken {
		r.tmp[pos] = r.work[k]
	}
	r.work, r.tmp = r.tmp, r.work
}

// freeSlot returns the first free position at or after want, else the
// last free one before it. taken has at least one free position.
func freeSlot(taken []int, want int) int {
	for p := want; p < len(taken); p++ {
		if taken[p] < 0 {
			return p
		}
	}
	for p := want - 1; p >= 0; p-- {
		if taken[p] < 0 {
			return p
		}
	}
	return want
}
