package recommend

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// TestTopTouchedMatchesFullSort holds the bounded heap to a full sort.
func TestTopTouchedMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for round := 0; round < 50; round++ {
		n := 1 + rng.IntN(500)
		a := getAcc(n)
		for i := 0; i < n; i++ {
			if rng.IntN(3) > 0 {
				a.add(int32(i), float64(rng.IntN(20))) // many ties
			}
		}
		want := append([]int32(nil), a.touched...)
		sort.Slice(want, func(x, y int) bool {
			if a.score[want[x]] != a.score[want[y]] {
				return a.score[want[x]] > a.score[want[y]]
			}
			return want[x] < want[y]
		})
		k := 1 + rng.IntN(60)
		if len(want) > k {
			want = want[:k]
		}
		got := topTouched(a, k)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d items, want %d", round, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d: position %d = %d, want %d", round, i, got[i], want[i])
			}
		}
		putAcc(a)
	}
}
