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

// personalParts computes every candidate's parts from the evidence in one
// pass over each evidence's neighbours (no per-pair search): candidate k's
// parts are arena[off[k]:off[k+1]], in evidence order. slot maps an item to
// its candidate position. The pass collects the hits (few: only
// candidates') in evidence order; a counting sort by candidate then lays
// them out, keeping that order.
func personalParts(m Model, ev []evidence, a *accumulator, n int) ([]personalPart, []int32) {
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

// grown returns (*buf)[:n] zeroed, growing *buf when it is shorter.
func grown(buf *[]int32, n int) []int32 {
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
	return part{kind: e.kind, set: e.set, evidence: e.id, value: p.value}
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
