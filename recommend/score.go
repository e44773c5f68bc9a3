package recommend

import (
	"slices"
	"sync"

	"github.com/candorhq/candor/catalog"
)

// part is one named, exact piece of a candidate's score.
type part struct {
	kind, set, evidence string
	ruleID              string
	value               float64
	item                int32 // the evidence's model number + 1 when it is a model item (0: not)
}

// candidate is an item being considered, with its personal parts in the
// arena [lo:hi] and its non-personal parts in theirs [nlo:nhi].
type candidate struct {
	idx      int32
	id       string
	item     *catalog.Item
	score    float64
	lo, hi   int    // personal parts, in the evidence arena
	nlo, nhi int    // non-personal parts, in their own arena
	extra    []part // parts added by rules
}

// accumulator sums neighbour weights over a dense array, touching only what
// evidence reaches, so the cost is flat in the catalog size. It also
// carries per-item flags of the request (bought) and the candidate slots.
type accumulator struct {
	score   []float64
	mark    []bool
	touched []int32
	slot    []int32 // item → candidate position, -1 when not a candidate
	flags   []uint8
	flagged []int32
	picks   []pick  // the selection's heap, reused
	offered []int32 // the selection's offered list, reused
	hits    []hit   // personalParts' buffer, reused
	reach   int     // the evidence's neighbours, counted by accumulate
	first   []int32 // item → its first evidence index, -1 (personalPartsReverse)
	next    []int32 // evidence index → the next with the same item, -1
	stamp   []int32 // evidence index → the candidate it was last a part of
	vals    []float64

	// The request's scratch, kept with it for the next request: the
	// evidence, the candidates' personal parts, and the explainer's
	// buffers.
	ev        []evidence
	personal  []personalPart
	off, fill []int32
	xs        explainScratch
}

// Per-item flags of one request.
const (
	flagBought  uint8 = 1 << iota
	flagOffered       // offered to the current selection
)

var accPool sync.Pool

func getAcc(n int) *accumulator {
	if a, ok := accPool.Get().(*accumulator); ok && len(a.score) == n {
		return a
	}
	a := &accumulator{score: make([]float64, n), mark: make([]bool, n), slot: make([]int32, n), flags: make([]uint8, n)}
	for i := range a.slot {
		a.slot[i] = -1
	}
	return a
}

func putAcc(a *accumulator) {
	for _, j := range a.touched {
		a.score[j], a.mark[j] = 0, false
	}
	for _, j := range a.flagged {
		a.flags[j] = 0
	}
	a.touched, a.flagged = a.touched[:0], a.flagged[:0]
	accPool.Put(a)
}

func (a *accumulator) flag(j int32, f uint8) {
	if a.flags[j] == 0 {
		a.flagged = append(a.flagged, j)
	}
	a.flags[j] |= f
}

func (a *accumulator) has(j int32, f uint8) bool { return a.flags[j]&f != 0 }

func (a *accumulator) unflag(j int32, f uint8) { a.flags[j] &^= f }

// accumulate adds every evidence's neighbours into a.score and lists the
// items they reached in a.touched: in the order first reached when the
// neighbours number fewer than twice the items, else in item order. A long
// history's evidence reaches most of a catalogue several times over, and
// there marking every neighbour and then scanning the marks costs less
// than asking of each neighbour whether it was reached before, an
// unpredictable branch in the scorer's hottest loop
// (BenchmarkAccumulate, 10,000 items of 200 neighbours: 35-45 % less at
// 100-500 evidence items, 10-20 % more at 50). The order does not change
// what is chosen: selection breaks ties by item ID.
func accumulate(m Model, ev []evidence, a *accumulator) {
	reach := 0
	for _, e := range ev {
		nbr, _ := m.Neighbours(e.item)
		reach += len(nbr)
	}
	a.reach = reach
	if reach < 2*len(a.score) {
		accumulateFew(m, ev, a)
		return
	}
	score, mark := a.score, a.mark // locals: the loop is the scorer's hottest
	for _, e := range ev {
		nbr, w := m.Neighbours(e.item)
		w = w[:len(nbr)]
		for k, j := range nbr {
			mark[j] = true
			score[j] += e.weight * float64(w[k])
		}
	}
	touched := a.touched[:0]
	for j, reached := range mark {
		if reached {
			touched = append(touched, int32(j))
		}
	}
	a.touched = touched
}

// accumulateFew is accumulate for evidence that reaches few items.
func accumulateFew(m Model, ev []evidence, a *accumulator) {
	score, mark, touched := a.score, a.mark, a.touched
	for _, e := range ev {
		nbr, w := m.Neighbours(e.item)
		w = w[:len(nbr)]
		for k, j := range nbr {
			if !mark[j] {
				mark[j] = true
				touched = append(touched, j)
			}
			score[j] += e.weight * float64(w[k])
		}
	}
	a.touched = touched
}

// bestEligible returns the best accumulated score of an item the customer
// may be shown (0 when none is positive); the filters run only on items
// that raise the best so far.
func bestEligible(m Model, a *accumulator, f *filterer) float64 {
	best := 0.0
	for _, j := range a.touched {
		if a.score[j] > best {
			if why, _ := f.drop(j, m.ItemID(j)); why == "" {
				best = a.score[j]
			}
		}
	}
	return best
}

// personalParts computes every candidate's parts: candidate k's parts are
// arena[off[k]:off[k+1]], in evidence order, the order accumulate summed
// them in. It walks whichever is shorter: every evidence item's
// neighbours (personalPartsForward) or, when the model lists them
// (reverser), the items whose neighbours hold a candidate
// (personalPartsReverse). A history at the cap of 500 reaches about
// 100,000 neighbours; ten candidates are held by a few thousand rows.
func personalParts(m Model, ev []evidence, a *accumulator, cands []candidate) ([]personalPart, []int32) {
	if r, ok := m.(reverser); ok && cheaperReversed(r, len(ev), a.reach, cands) {
		return personalPartsReverse(r, ev, a, cands)
	}
	return personalPartsForward(m, ev, a, len(cands))
}

// reverser is a Model that lists, for an item, the items whose neighbours
// hold it, ascending, with the weights they hold it by; ok is false when
// it has no such lists (models.Model.Reverse before BuildReverse).
type reverser interface {
	Reverse(j int32) (rows []int32, w []float32, ok bool)
}

// cheaperReversed reports whether the reverse walk is possible and takes
// under half the steps of the forward walk (reach neighbours): it reads
// every candidate's reverse list and scans the evidence once a candidate.
func cheaperReversed(r reverser, evidence, reach int, cands []candidate) bool {
	steps := len(cands) * evidence
	for k := range cands {
		rows, _, ok := r.Reverse(cands[k].idx)
		if !ok {
			return false
		}
		steps += len(rows)
	}
	return 2*steps < reach
}

// personalPartsForward computes every candidate's parts from the evidence in one
// pass over each evidence's neighbours (no per-pair search): candidate k's
// parts are arena[off[k]:off[k+1]], in evidence order. slot maps an item to
// its candidate position. The pass collects the hits (few: only
// candidates') in evidence order; a counting sort by candidate then lays
// them out, keeping that order.
func personalPartsForward(m Model, ev []evidence, a *accumulator, n int) ([]personalPart, []int32) {
	slot, hits := a.slot, a.hits[:0]
	for x, e := range ev {
		nbr, w := m.Neighbours(e.item)
		for y, j := range nbr {
			if k := slot[j]; k >= 0 {
				hits = append(hits, hit{k, personalPart{ev: int32(x), value: e.weight * float64(w[y])}})
			}
		}
	}
	a.hits = hits // grown, for the next request
	off := grown(&a.off, n+1)
	for _, h := range hits {
		off[h.k+1]++
	}
	for k := 0; k < n; k++ {
		off[k+1] += off[k]
	}
	arena := slices.Grow(a.personal[:0], len(hits))[:len(hits)]
	a.personal = arena
	fill := grown(&a.fill, n)
	copy(fill, off[:n])
	for _, h := range hits {
		arena[fill[h.k]] = h.part
		fill[h.k]++
	}
	return arena, off
}

// personalPartsReverse is personalParts over the candidates' reverse
// lists: each item holding candidate c that is evidence (once per
// evidence entry of it, through the first/next chains) gives the part
// weight(e) · W[item][c], stamped at its evidence index; a scan of the
// evidence then lays the candidate's parts out in evidence order.
func personalPartsReverse(r reverser, ev []evidence, a *accumulator, cands []candidate) ([]personalPart, []int32) {
	first, next := a.chains(len(a.score), ev)
	stamp, vals := grown(&a.stamp, len(ev)), grown(&a.vals, len(ev))
	arena, off := a.personal[:0], grown(&a.off, len(cands)+1)
	for k := range cands {
		mark := int32(k + 1)
		rows, w, _ := r.Reverse(cands[k].idx)
		for q, i := range rows {
			for x := first[i]; x >= 0; x = next[x] {
				stamp[x], vals[x] = mark, ev[x].weight*float64(w[q])
			}
		}
		for x, s := range stamp {
			if s == mark {
				arena = append(arena, personalPart{ev: int32(x), value: vals[x]})
			}
		}
		off[k+1] = int32(len(arena))
	}
	for _, e := range ev {
		first[e.item] = -1
	}
	a.personal = arena
	return arena, off
}

// chains links the evidence by item: first[i] is item i's first evidence
// index and next[x] the next index of the same item (-1: none), so an
// item that is evidence twice (bought and viewed) is found twice. first is
// all -1 between requests; the caller resets the evidence's items.
func (a *accumulator) chains(items int, ev []evidence) (first, next []int32) {
	if len(a.first) != items {
		a.first = slices.Repeat([]int32{-1}, items)
	}
	first = a.first
	next = grown(&a.next, len(ev))
	for x := len(ev) - 1; x >= 0; x-- {
		i := ev[x].item
		next[x], first[i] = first[i], int32(x)
	}
	return first, next
}

// grown returns (*buf)[:n] zeroed, growing *buf when it is shorter.
func grown[T int32 | float64](buf *[]T, n int) []T {
	*buf = slices.Grow((*buf)[:0], n)[:n]
	clear(*buf)
	return *buf
}

// hit is a candidate's part found by personalParts' pass.
type hit struct {
	k    int32
	part personalPart
}

// personalPart is one evidence item's contribution to a candidate: the
// evidence by its index, so the arena holds no pointers (no write
// barriers, nothing for the collector to scan); part turns it into a
// named part for the few items that are explained.
type personalPart struct {
	ev    int32
	value float64
}

func (p personalPart) part(ev []evidence) part {
	e := &ev[p.ev]
	return part{kind: e.kind, set: e.set, evidence: e.id, value: p.value, item: e.item + 1}
}

func sumPersonal(ps []personalPart) float64 {
	var s float64
	for _, p := range ps {
		s += p.value
	}
	return s
}

func sumParts(ps []part) float64 {
	var s float64
	for _, p := range ps {
		s += p.value
	}
	return s
}
