package rules

// cut is the state of one active limit or diversity rule while cutting.
type cut struct {
	rule   int
	kept   int     // limit: matches kept so far
	counts []int32 // diversity: matches kept per brand or category number
}

// cut applies the limits and diversities in rule order, each over what the
// ones before it left: a limit removes the matches past its Max; a
// diversity moves the matches past its Max per category or brand to the
// end of the list, in order, so they fill it only when nothing else is
// left (a diversity never shortens a list).
func (r *run) cut() {
	for k := range r.cuts {
		c := &r.cuts[k]
		n := 0
		r.deferred = r.deferred[:0]
		for w := range r.work {
			s := r.work[w]
			switch r.over(c, &s) {
			case ActionLimit:
				r.event(r.c.rules[c.rule].ID, r.cands[s.i].Item.ID, EffectRemoved, ActionLimit, 0)
				continue
			case ActionDiversity:
				r.event(r.c.rules[c.rule].ID, r.cands[s.i].Item.ID, EffectDeferred, ActionDiversity, 0)
				s.deferred = true
				r.deferred = append(r.deferred, s)
				continue
			}
			r.work[n] = s
			n++
		}
		r.work = append(r.work[:n], r.deferred...)
		clear(c.counts)
	}
}

// over returns the action type of rule c when s is past its Max (and
// counts s otherwise), or "".
func (r *run) over(c *cut, s *slot) string {
	f := r.fs[s.i]
	if !f.match.has(c.rule) || !r.matches(c.rule, s) {
		return ""
	}
	a := &r.c.rules[c.rule].Action
	if a.Type == ActionLimit {
		if c.kept++; c.kept > a.Max {
			return ActionLimit
		}
		return ""
	}
	v := f.brand
	if a.Field == "category" {
		v = f.category
	}
	if v < 0 {
		return ""
	}
	if int(v) >= len(c.counts) {
		c.counts = append(c.counts, make([]int32, int(v)+1-len(c.counts))...)
	}
	if c.counts[v]++; int(c.counts[v]) > a.Max {
		return ActionDiversity
	}
	return ""
}
