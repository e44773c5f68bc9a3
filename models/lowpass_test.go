package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// TestLowPassMatchesDenseSVD compares the filter with D^−½ V Vᵀ D^½
// computed from a dense SVD of R̃ = D_U^−½ X D_I^−½: exactly when the
// subspace iteration's columns span the whole head (rank + 10 ≥ items),
// closely when they do not and the spectrum has a gap after the rank (three
// clusters of items give three leading singular values).
func TestLowPassMatchesDenseSVD(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *Data
		rank int
		tol  float64
	}{
		{"whole head", randomData(t, 60, 25, 6, 4), 16, 1e-9},
		{"subspace", clusteredData(t, 400, 60, 3), 3, 1e-4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			in := newInteractions(d, weighting{values: true})
			h := chooseHead(in, 0, 1)
			lp, err := newLowPass(in, h, tc.rank, 2)
			if err != nil {
				t.Fatal(err)
			}
			want := denseLowPass(t, in, h, tc.rank)
			scale := 0.0
			for _, row := range want {
				for _, x := range row {
					scale = max(scale, math.Abs(x))
				}
			}
			for p := range want {
				for q := range want[p] {
					if got := lp.weight(int32(p), int32(q)); math.Abs(got-want[p][q]) > tc.tol*scale {
						t.Fatalf("L[%d][%d] = %v, want %v", p, q, got, want[p][q])
					}
				}
			}
		})
	}
}

// TestLowPassIsTheSameOnAnyWorkers checks that the filter does not depend
// on how many goroutines share its products: the customers are split into
// a fixed number of parts, added in order.
func TestLowPassIsTheSameOnAnyWorkers(t *testing.T) {
	in := newInteractions(clusteredData(t, 400, 60, 3), weighting{values: true})
	h := chooseHead(in, 0, 1)
	one, err := newLowPass(in, h, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 3, gramChunks + 4} {
		got, err := newLowPass(in, h, 8, w)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.u, one.u) || !slices.Equal(got.v, one.v) {
			t.Fatalf("%d workers give another filter than one", w)
		}
	}
}

// TestGramChunksCoverEveryCustomer checks the split of R̃'s customers:
// ascending bounds from the first customer to past the last, whatever the
// count of customers against the count of parts.
func TestGramChunksCoverEveryCustomer(t *testing.T) {
	for _, users := range []int{0, 1, 3, gramChunks, 100} {
		r := &normalised{off: []int{0}}
		for u := range users {
			r.off = append(r.off, r.off[u]+1+u%7)
		}
		b := r.chunks(gramChunks)
		if b[0] != 0 || b[len(b)-1] != users || len(b) > gramChunks+1 || !slices.IsSorted(b) {
			t.Fatalf("%d customers: bounds %v", users, b)
		}
		for k := 1; k < len(b)-1; k++ {
			if b[k] == b[k-1] {
				t.Fatalf("%d customers: an empty part in %v", users, b)
			}
		}
	}
}

// clusteredData returns users who each take 8 items, nine in ten of them
// from their own cluster of items (clusters of unequal sizes and
// audiences).
func clusteredData(tb testing.TB, users, items, clusters int) *Data {
	tb.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	per := items / clusters
	var ins []Interaction
	for u := range users {
		c := min(int(rng.Float64()*rng.Float64()*float64(clusters)), clusters-1)
		for range 8 {
			cl := c
			if rng.IntN(10) == 0 {
				cl = rng.IntN(clusters)
			}
			i := cl*per + rng.IntN(per)
			ins = append(ins, Interaction{User: fmt.Sprintf("u%d", u), Item: fmt.Sprintf("i%d", i), Value: 1, Time: time.Unix(1e9, 0)})
		}
	}
	return NewData(ins, nil)
}

// denseLowPass computes D^−½ V Vᵀ D^½ over the head densely, V the top
// rank right singular vectors of R̃ (D_U, D_I the weighted degrees).
func denseLowPass(t *testing.T, in *interactions, h head, rank int) [][]float64 {
	t.Helper()
	n, m := len(h.items), in.byUser.rows()
	x := mat.NewDense(m, n, nil)
	for u := range m {
		items, w := in.byUser.row(int32(u))
		for k, i := range items {
			if p := h.pos[i]; p >= 0 {
				x.Set(u, int(p), float64(w[k]))
			}
		}
	}
	du, di := make([]float64, m), make([]float64, n)
	for u := range m {
		for p := range n {
			du[u] += x.At(u, p)
			di[p] += x.At(u, p)
		}
	}
	for u := range m {
		for p := range n {
			if x.At(u, p) != 0 {
				x.Set(u, p, x.At(u, p)/math.Sqrt(du[u]*di[p]))
			}
		}
	}
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThin) {
		t.Fatal("SVD failed")
	}
	var v mat.Dense
	svd.VTo(&v)
	l := make([][]float64, n)
	for p := range n {
		l[p] = make([]float64, n)
		for q := range n {
			s := 0.0
			for k := range rank {
				s += v.At(p, k) * v.At(q, k)
			}
			l[p][q] = s * math.Sqrt(di[q]/di[p])
		}
	}
	return l
}

// TestBlendsMatchDenseClosedForm checks the blended weights against their
// closed form: B + α·c·L + γ·c'·S for every k-anonymous pair, B EASE's
// weights, L the low-pass filter, S the Jaccard similarity, and c, c' the
// ratios of the median row maxima (over the pairs a row may keep) of B to
// L and of B to S; pairs below k-anonymity have no weight.
func TestBlendsMatchDenseClosedForm(t *testing.T) {
	d := randomData(t, 80, 25, 6, 1)
	const kanon = 2
	for _, tc := range []struct {
		name        string
		lowPass, nn float64
	}{
		{"low-pass", 0.3, 0},
		{"knn", 0, 0.5},
		{"both", 0.2, 0.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := TrainOptions{Kind: KindEASE, K: -1, KAnon: kanon, MinSupport: -1, Lambda: 3, Dropout: 0.2, FreeDiagonal: true,
				LowPass: tc.lowPass, LowPassRank: 16, KNN: tc.nn}
			m := train(t, d, o)
			if m.Params.LowPass != tc.lowPass || m.Params.LowPassRank != 16 || m.Params.KNN != tc.nn {
				t.Errorf("Params = %+v, want the options' blend", m.Params)
			}
			plain := o
			plain.KAnon, plain.LowPass, plain.KNN = -1, 0, 0
			b := denseEASE(t, d, plain)
			in := newInteractions(d, weighting{})
			l := denseLowPass(t, in, chooseHead(in, 0, 1), 16)
			n := len(d.Items)
			co, users := make([][]float64, n), make([]float64, n)
			for i := range n {
				co[i] = make([]float64, n)
				for j := range n {
					co[i][j] = float64(coCount(d, d.Items[i], d.Items[j]))
				}
				users[i] = co[i][i]
			}
			kept := func(i, j int) bool { return i != j && co[i][j] >= kanon }
			s := func(i, j int) float64 { return co[i][j] / (users[i] + users[j] - co[i][j]) }
			rowMax := func(f func(i, j int) float64) float64 {
				var maxes []float64
				for i := range n {
					mx, any := 0.0, false
					for j := range n {
						if kept(i, j) {
							mx, any = max(mx, math.Abs(f(i, j))), true
						}
					}
					if any {
						maxes = append(maxes, mx)
					}
				}
				slices.Sort(maxes)
				return maxes[len(maxes)/2]
			}
			base := rowMax(func(i, j int) float64 { return b[i][j] })
			c := base / rowMax(func(i, j int) float64 { return l[i][j] })
			c2 := base / rowMax(s)
			for i := range n {
				for j := range n {
					want := 0.0
					if kept(i, j) {
						want = b[i][j] + tc.lowPass*c*l[i][j] + tc.nn*c2*s(i, j)
					}
					got := m.Weight(item(t, m, d.Items[i]), item(t, m, d.Items[j]))
					if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
						t.Fatalf("W[%d][%d] = %v, want %v", i, j, got, want)
					}
				}
			}
		})
	}
}

func TestBlendOptionsOutOfRange(t *testing.T) {
	d := randomData(t, 20, 10, 4, 3)
	for _, o := range []TrainOptions{
		{LowPass: -0.1}, {LowPass: MaxLowPass + 1}, {LowPass: 0.1, LowPassRank: -1}, {LowPass: 0.1, LowPassRank: MaxLowPassRank + 1},
		{KNN: -1}, {KNN: MaxKNN + 1}, {KNN: 0.1, KAnon: -1},
	} {
		o.Kind = KindEASE
		if _, err := Train(t.Context(), d, o); err == nil {
			t.Errorf("Train(%+v) accepted an out-of-range option", o)
		}
	}
}

// BenchmarkLowPass: the filter of rank 64 over 3,000 items from 240,000
// interactions of 30,000 customers, on one core and on two.
func BenchmarkLowPass(b *testing.B) {
	in := newInteractions(clusteredData(b, 30000, 3000, 30), weighting{values: true})
	h := chooseHead(in, 0, 1)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				if _, err := newLowPass(in, h, 64, workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
