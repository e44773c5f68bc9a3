package rules

// cut is the state of one active limit or diversity rule while cutting.
type cut struct {
	rule   int
	kept   int     // limit: matches kept so far
	counts []int32 // diversity: matches kept per brand or category number
}

// cut applies the limits and diversities in rule order in one pass over
// the sorted candidates: a candidate one rule removes is not counted by
// the rules after it, exactly as if each rule ran over what the ones
// before it left.
func (r *run) cut() {
	if len(r.cuts) == 0 {
		return
	}
	n := 0
	for k := range r.work {
		s := &r.work[k]
		if i := r.cutBy(s); i >= 0 {
			r.event(r.c.rules[i].ID, r.cands[s.i].Item.ID, EffectRemoved, r.c.rules[i].Action.Type, 0)
			continue
		}
		r.work[n] = *s
		n++
	}
	r.work = r.work[:n]
	for k := range r.cuts {
		clear(r.cuts[k].counts)
	}
}

// cutBy returns the first rule that removes s, or -1, counting s in the
// rules that keep it.
func (r *run) cutBy(s *slot) int {
	f := r.fs[s.i]
	for k := range r.cuts {
		c := &r.cuts[k]
		if !f.match.has(c.rule) || !r.matches(c.rule, s) {
			continue
		}
		a := &r.c.rules[c.rule].Action
		if a.Type == ActionLimit {
			if c.kept++; c.kept > a.Max {
				return c.rule
			}
			continue
		}
		v := f.brand
		if a.Field == "category" {
			v = f.category
		}
		if v < 0 {
			continue
		}
		if int(v) >= len(c.counts) {
			c.counts = append(c.counts, make([]int32, int(v)+1-len(c.counts))...)
		}
		if c.counts[v]++; int(c.counts[v]) > a.Max {
			return c.rule
		}
	}
	return -1
}
