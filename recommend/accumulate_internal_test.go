package recommend

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/candorhq/candor/models"
)

// randomNeighbours is a model of n items, each with k random neighbours
// (ascending, as Model.Neighbours promises) and weights; only what
// accumulate asks of a model.
type randomNeighbours struct {
	nbr [][]int32
	w   [][]float32
}

func newRandomNeighbours(n, k int) *randomNeighbours {
	rng := rand.New(rand.NewPCG(5, 6))
	m := &randomNeighbours{}
	for range n {
		seen := map[int32]bool{}
		var nb []int32
		for len(nb) < k {
			if j := int32(rng.IntN(n)); !seen[j] {
				seen[j] = true
				nb = append(nb, j)
			}
		}
		slices.Sort(nb)
		w := make([]float32, k)
		for i := range w {
			w[i] = rng.Float32() - 0.3
		}
		m.nbr, m.w = append(m.nbr, nb), append(m.w, w)
	}
	return m
}

func (m *randomNeighbours) Version() string                         { return "random" }
func (m *randomNeighbours) NumItems() int                           { return len(m.nbr) }
func (m *randomNeighbours) Lookup(string) (int32, bool)             { return 0, false }
func (m *randomNeighbours) ItemID(i int32) string                   { return fmt.Sprint(i) }
func (m *randomNeighbours) Neighbours(i int32) ([]int32, []float32) { return m.nbr[i], m.w[i] }
func (m *randomNeighbours) Popularity(int32) float64                { return 0 }
func (m *randomNeighbours) Scoring() models.Scoring                 { return models.DefaultScoring() }

func randomEvidence(n, items int) []evidence {
	rng := rand.New(rand.NewPCG(7, 8))
	ev := make([]evidence, n)
	for i := range ev {
		ev[i] = evidence{item: int32(rng.IntN(items)), weight: rng.Float64()}
	}
	return ev
}

// Whichever way accumulate lists what the evidence reached, the scores and
// the items reached are those of the first-reached listing.
func TestAccumulateEitherWay(t *testing.T) {
	m := newRandomNeighbours(2000, 50)
	for _, n := range []int{0, 1, 10, 79, 80, 200} { // 80 × 50 neighbours reach twice as many as there are items
		ev := randomEvidence(n, 2000)
		a, b := getAcc(2000), &accumulator{score: make([]float64, 2000), mark: make([]bool, 2000)}
		accumulate(m, ev, a)
		accumulateFew(m, ev, b)
		if !slices.Equal(a.score, b.score) || !slices.Equal(a.mark, b.mark) {
			t.Fatalf("%d evidence: the scores or marks differ", n)
		}
		got, want := slices.Clone(a.touched), slices.Clone(b.touched)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%d evidence: reached %d items, want %d", n, len(got), len(want))
		}
		putAcc(a)
	}
}

// BenchmarkAccumulate compares the two ways of listing what the evidence
// reached, on 10,000 items of 200 neighbours each.
func BenchmarkAccumulate(b *testing.B) {
	m := newRandomNeighbours(10000, 200)
	for _, n := range []int{50, 100, 200, 500} {
		ev := randomEvidence(n, 10000)
		for name, fn := range map[string]func(Model, []evidence, *accumulator){"first-reached": accumulateFew, "scan": accumulate} {
			b.Run(fmt.Sprintf("evidence=%d/%s", n, name), func(b *testing.B) {
				a := getAcc(10000)
				for b.Loop() {
					fn(m, ev, a)
					for _, j := range a.touched {
						a.score[j], a.mark[j] = 0, false
					}
					a.touched = a.touched[:0]
				}
			})
		}
	}
}

// reversible is randomNeighbours that lists its reverse neighbours (as
// models.Model.Reverse) and counts the neighbour lists read.
type reversible struct {
	*randomNeighbours
	rev   [][]int32
	revW  [][]float32
	reads int
}

func newReversible(m *randomNeighbours) *reversible {
	r := &reversible{randomNeighbours: m, rev: make([][]int32, len(m.nbr)), revW: make([][]float32, len(m.nbr))}
	for i, nb := range m.nbr {
		for k, j := range nb {
			r.rev[j], r.revW[j] = append(r.rev[j], int32(i)), append(r.revW[j], m.w[i][k])
		}
	}
	return r
}

func (r *reversible) Reverse(j int32) ([]int32, []float32, bool) {
	if r.rev == nil {
		return nil, nil, false
	}
	return r.rev[j], r.revW[j], true
}

func (r *reversible) Neighbours(i int32) ([]int32, []float32) {
	r.reads++
	return r.randomNeighbours.Neighbours(i)
}

// The candidates' parts are the same whichever lists are walked: the same
// parts in evidence order, each candidate's summing exactly to its
// accumulated score, for evidence that holds an item more than once; and
// a long history's parts are found without reading every evidence item's
// neighbours.
func TestPersonalPartsEitherWay(t *testing.T) {
	m := newReversible(newRandomNeighbours(2000, 50))
	a := getAcc(2000)
	for _, n := range []int{0, 1, 10, 200, 600} {
		ev := randomEvidence(n, 2000)
		if n == 600 {
			ev = append(ev, ev[:50]...) // the same items again, as bought and viewed
		}
		accumulate(m, ev, a)
		cands := []candidate{{idx: 3}, {idx: 1999}}
		for _, j := range a.touched[:min(8, len(a.touched))] {
			if j != 3 && j != 1999 { // candidates are distinct items
				cands = append(cands, candidate{idx: j})
			}
		}
		fwd, fwdOff := personalPartsForward(m, ev, slotted(a, cands), len(cands))
		fwd, fwdOff = slices.Clone(fwd), slices.Clone(fwdOff)
		unslot(a, cands)
		rev, revOff := personalPartsReverse(m, ev, a, cands)
		if !slices.Equal(fwd, rev) || !slices.Equal(fwdOff, revOff) {
			t.Fatalf("%d evidence: the reverse walk's parts differ from the forward walk's", n)
		}
		for k, c := range cands {
			sum := 0.0
			for _, p := range rev[revOff[k]:revOff[k+1]] {
				sum += p.value
			}
			if sum != a.score[c.idx] {
				t.Fatalf("%d evidence: candidate %d's parts sum to %v, accumulated %v", n, c.idx, sum, a.score[c.idx])
			}
		}
		m.reads = 0
		got, gotOff := personalParts(m, ev, slotted(a, cands), cands)
		unslot(a, cands)
		if !slices.Equal(got, fwd) || !slices.Equal(gotOff, fwdOff) {
			t.Fatalf("%d evidence: personalParts differs from the walks", n)
		}
		if n == 600 && m.reads >= len(ev) {
			t.Fatalf("%d evidence: personalParts read %d neighbour lists, want fewer than the evidence", n, m.reads)
		}
		unbuilt := &reversible{randomNeighbours: m.randomNeighbours} // no lists: as a model before BuildReverse
		got, gotOff = personalParts(unbuilt, ev, slotted(a, cands), cands)
		unslot(a, cands)
		if !slices.Equal(got, fwd) || !slices.Equal(gotOff, fwdOff) || unbuilt.reads != len(ev) {
			t.Fatalf("%d evidence: without reverse lists personalParts read %d lists of %d, or its parts differ", n, unbuilt.reads, len(ev))
		}
		putAcc(a)
		a = getAcc(2000)
	}
}

func slotted(a *accumulator, cands []candidate) *accumulator {
	for k, c := range cands {
		a.slot[c.idx] = int32(k)
	}
	return a
}

func unslot(a *accumulator, cands []candidate) {
	for _, c := range cands {
		a.slot[c.idx] = -1
	}
}

// BenchmarkPersonalParts: the parts of the ten best-scored candidates, by
// walking every evidence item's neighbours and by walking the candidates'
// reverse lists (10,000 items of 200 neighbours).
func BenchmarkPersonalParts(b *testing.B) {
	m := newReversible(newRandomNeighbours(10000, 200))
	for _, n := range []int{50, 500} {
		ev := randomEvidence(n, 10000)
		a := getAcc(10000)
		accumulate(m, ev, a)
		best := slices.Clone(a.touched)
		slices.SortFunc(best, func(x, y int32) int { return cmp.Compare(a.score[y], a.score[x]) })
		cands := make([]candidate, 10)
		for k := range cands {
			cands[k].idx = best[k]
		}
		b.Run(fmt.Sprintf("evidence=%d/forward", n), func(b *testing.B) {
			slotted(a, cands)
			for b.Loop() {
				personalPartsForward(m, ev, a, len(cands))
			}
			unslot(a, cands)
		})
		b.Run(fmt.Sprintf("evidence=%d/reverse", n), func(b *testing.B) {
			for b.Loop() {
				personalPartsReverse(m, ev, a, cands)
			}
		})
	}
}
