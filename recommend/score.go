package recommend

import (
	"slices"
	"sort"
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
	idx    int32
	id     string
	score  float64
	lo, hi int
	extra  []part // parts added by rules
}

// accumulator sums neighbour weights over a dense array, touching only what
// evidence reaches, so the cost is flat in the catalog size.
type accumulator struct {
	score   []float64
	mark    []bool
	touched []int32
}

var accPool sync.Pool

func getAcc(n int) *accumulator {
	if a, ok := accPool.Get().(*accumulator); ok && len(a.score) == n {
		return a
	}
	return &accumulator{score: make([]float64, n), mark: make([]bool, n)}
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
// score, best first.
func topTouched(a *accumulator, k int) []int32 {
	t := slices.Clone(a.touched)
	sort.Slice(t, func(x, y int) bool {
		if a.score[t[x]] != a.score[t[y]] {
			return a.score[t[x]] > a.score[t[y]]
		}
		return t[x] < t[y]
	})
	if len(t) > k {
		t = t[:k]
	}
	return t
}

// weightOf returns S[i][j] from i's sorted neighbour list, or 0.
func weightOf(m Model, i, j int32) float64 {
	nbr, w := m.Neighbours(i)
	if k, ok := slices.BinarySearch(nbr, j); ok {
		return float64(w[k])
	}
	return 0
}

// exactParts appends j's parts from the evidence to arena.
func exactParts(m Model, ev []evidence, j int32, arena []part) []part {
	for _, e := range ev {
		if w := weightOf(m, e.item, j); w != 0 {
			arena = append(arena, part{kind: e.kind, set: e.set, evidence: e.id, value: e.weight * w})
		}
	}
	return arena
}

func sumParts(ps []part) float64 {
	var s float64
	for _, p := range ps {
		s += p.value
	}
	return s
}
