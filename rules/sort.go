package rules

import (
	"math"
	"slices"
)

// sort orders r.work (scores unchanged) and r.moved (changed) together by
// score, best first, ties by item ID. Candidates usually arrive sorted, so
// when few moved it sorts only those and merges; otherwise it sorts packed
// integer keys (fast, no comparison function) and repairs the rare pairs
// the packing could not tell apart with an insertion pass.
func (r *run) sort() {
	if len(r.moved) == 0 && r.sorted(r.work) {
		return
	}
	if len(r.moved) < len(r.work)/4 && r.sorted(r.work) {
		r.sortKeys(r.moved)
		r.merge()
		return
	}
	r.work = append(r.work, r.moved...)
	r.sortKeys(r.work)
}

// less is the order of candidates: higher score first, then item ID.
func (r *run) less(a, b *slot) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return r.cands[a.i].Item.ID < r.cands[b.i].Item.ID
}

func (r *run) sorted(ss []slot) bool {
	for k := 1; k < len(ss); k++ {
		if r.less(&ss[k], &ss[k-1]) {
			return false
		}
	}
	return true
}

// indexBits is how many low bits of a sort key hold the slot's position.
const indexBits = 16

// sortKeys sorts ss. Each key is the score mapped to an unsigned integer
// in descending order, its low indexBits replaced by the slot's position,
// so the keys sort almost exactly as less does; an insertion pass then
// fixes scores that differed only in those bits, and ties.
func (r *run) sortKeys(ss []slot) {
	if len(ss) >= 1<<indexBits {
		slices.SortFunc(ss, func(a, b slot) int {
			if r.less(&a, &b) {
				return -1
			}
			return 1
		})
		return
	}
	keys := slices.Grow(r.keys[:0], len(ss))
	for k := range ss {
		keys = append(keys, descending(ss[k].score)&^(1<<indexBits-1)|uint64(k))
	}
	slices.Sort(keys)
	r.tmp = slices.Grow(r.tmp[:0], len(ss))
	for _, key := range keys {
		r.tmp = append(r.tmp, ss[key&(1<<indexBits-1)])
	}
	copy(ss, r.tmp)
	r.keys = keys
	for k := 1; k < len(ss); k++ {
		for j := k; j > 0 && r.less(&ss[j], &ss[j-1]); j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}

// descending maps x to an integer that sorts in the opposite order of the
// float (NaN, which scores never are, anywhere).
func descending(x float64) uint64 {
	b := math.Float64bits(x)
	if b&(1<<63) != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return ^b
}

// merge merges the sorted r.moved into the sorted r.work.
func (r *run) merge() {
	r.tmp = slices.Grow(r.tmp[:0], len(r.work)+len(r.moved))
	a, b := r.work, r.moved
	for len(a) > 0 && len(b) > 0 {
		if r.less(&b[0], &a[0]) {
			r.tmp, b = append(r.tmp, b[0]), b[1:]
		} else {
			r.tmp, a = append(r.tmp, a[0]), a[1:]
		}
	}
	r.tmp = append(append(r.tmp, a...), b...)
	r.work, r.tmp = r.tmp, r.work
}
