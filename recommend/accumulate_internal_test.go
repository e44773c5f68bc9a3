package recommend

import (
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
