package recommend

import (
	"sort"

	"github.com/candorhq/candor/catalog"
	"sync"
)

// part is one named, exact piece of a candidate's score.
type part struct {
	kind, set, evidence string
	ruleID              string
	value               float64
}

// candidate is an item being considered, with its parts in the arena
// parts[lo:hi] of its scoring.
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
// evidence reaches, so the cost is flat in the catalog size.
type accumulator struct {
	score   []float64
	mark    []bool
	touched []int32
	slot    []int32 // item → candidate position, -1 when not a candidate
}

var accPool sync.Pool

func getAcc(n int) *accumulator {
	if a, ok := accPool.Get().(*accumulator); ok && len(a.score) == n {
		return a
	}
	a := &accumulator{score: make([]float64, n), mark: make([]bool, n), slot: make([]int32, n)}
	for i := range a.slot {
		a.slot[i] = -1
	}
	return a
}

func putAcc(a *accumulator) {
	for _, j := range a.touched {
		a.score[j], a.mark[j] = 0, false
	}
	a.touched = a.touched[:0]
	accPool.Put(a)
}

func (a *accumulator) add(j int32, v float64) {
	if !a.mark[j] {
		a.mark[j] = true
		a.touched = append(a.touched, j)
	}
	a.score[j] += v
}

// accumulate adds every evidence's neighbours.
func accumulate(m Model, ev []evidence, a *accumulator) {
	for _, e := range ev {
		nbr, w := m.Neighbours(e.item)
		for k, j := range nbr {
			a.add(j, e.weight*float64(w[k]))
		}
	}
}

// topTouched returns up to k touched items with the highest accumulated
// score, best first (ties by index). A bounded min-heap keeps the cost at
// O(touched · log k) rather than sorting everything the evidence reached.
func topTouched(a *accumulator, k int) []int32 {
	worse := func(x, y int32) bool { // x ranks below y
		if a.score[x] != a.score[y] {
			return a.score[x] < a.score[y]
		}
		return x > y
	}
	h := make([]int32, 0, k)
	for _, j := range a.touched {
		switch {
		case len(h) < k:
			h = append(h, j)
			siftUp(h, len(h)-1, worse)
		case worse(h[0], j):
			h[0] = j
			siftDown(h, 0, worse)
		}
	}
	sort.Slice(h, func(x, y int) bool { return worse(h[y], h[x]) })
	return h
}

func siftUp(h []int32, i int, worse func(x, y int32) bool) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func siftDown(h []int32, i int, worse func(x, y int32) bool) {
	for {
		l, m := 2*i+1, i
		if l < len(h) && worse(h[l], h[m]) {
			m = l
		}
		if r := l + 1; r < len(h) && worse(h[r], h[m]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// personalParts computes every candidate's parts from the evidence in one
// pass over each evidence's neighbours (no per-pair search): candidate k's
// parts are arena[off[k]:off[k+1]], in evidence order. slot maps an item to
// its candidate position.
func personalParts(m Model, ev []evidence, slot []int32, n int) ([]personalPart, []int32) {
	off := make([]int32, n+1)
	for _, e := range ev {
		nbr, _ := m.Neighbours(e.item)
		for _, j := range nbr {
			if k := slot[j]; k >= 0 {
				off[k+1]++
			}
		}
	}
	for k := 0; k < n; k++ {
		off[k+1] += off[k]
	}
	arena := make([]personalPart, off[n])
	fill := make([]int32, n)
	copy(fill, off[:n])
	for x, e := range ev {
		nbr, w := m.Neighbours(e.item)
		for y, j := range nbr {
			if k := slot[j]; k >= 0 {
				arena[fill[k]] = personalPart{ev: int32(x), value: e.weight * float64(w[y])}
				fill[k]++
			}
		}
	}
	return arena, off
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
