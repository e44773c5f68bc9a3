package models

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestEASEMatchesClosedForm compares the untruncated, unprotected serving
// form with B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹ computed densely.
func TestEASEMatchesClosedForm(t *testing.T) {
	d := randomData(t, 60, 25, 6, 1)
	const lambda = 3.0
	m := train(t, d, TrainOptions{Kind: KindEASE, K: -1, KAnon: -1, Lambda: lambda})
	n := len(d.Items)
	x := mat.NewDense(d.Users, n, nil)
	for _, r := range d.Rows {
		x.Set(int(r.User), int(r.Item), 1)
	}
	var g, p mat.Dense
	g.Mul(x.T(), x)
	for i := range n {
		g.Set(i, i, g.At(i, i)+lambda)
	}
	if err := p.Inverse(&g); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := range n {
			want := 0.0
			if i != j {
				want = -p.At(i, j) / p.At(j, j)
			}
			got := m.Weight(item(t, m, d.Items[i]), item(t, m, d.Items[j]))
			if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Fatalf("B[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
}

func TestEASETruncationKeepsLargestMagnitudes(t *testing.T) {
	d := randomData(t, 200, 40, 8, 2)
	full := train(t, d, TrainOptions{Kind: KindEASE, K: -1, KAnon: -1, Lambda: 10})
	cut := train(t, d, TrainOptions{Kind: KindEASE, K: 5, KAnon: -1, Lambda: 10})
	for r := range int32(cut.NumItems()) {
		nbr, w := cut.Neighbours(r)
		if len(nbr) > 5 {
			t.Fatalf("row %d has %d neighbours, want at most 5", r, len(nbr))
		}
		smallest := math.Inf(1)
		for k, j := range nbr {
			if got, want := float64(w[k]), full.Weight(r, j); got != want {
				t.Errorf("row %d: truncated weight %v, full %v", r, got, want)
			}
			smallest = min(smallest, math.Abs(float64(w[k])))
		}
		fnbr, fw := full.Neighbours(r)
		dropped := 0
		for k := range fnbr {
			if math.Abs(float64(fw[k])) > smallest {
				dropped++
			}
		}
		if dropped > len(nbr) {
			t.Errorf("row %d: %d weights larger in magnitude than the smallest kept, but only %d kept", r, dropped, len(nbr))
		}
	}
}

func TestSimilarityValues(t *testing.T) {
	// a: users 1,2,3; b: users 2,3; so c(a,b) = 2, d(a) = 3, d(b) = 2.
	d := pairs(t, [2]string{"1", "a"}, [2]string{"2", "a"}, [2]string{"3", "a"}, [2]string{"2", "b"}, [2]string{"3", "b"})
	for _, tt := range []struct {
		sim  Similarity
		want float64
	}{
		{Jaccard, 2.0 / 3},
		{Lift, 2.0 / 6},
		{Cosine, 2 / math.Sqrt(6)},
		{Cooccurrence, 2},
	} {
		m := train(t, d, TrainOptions{Kind: KindItemKNN, KAnon: 1, Similarity: tt.sim})
		got := m.Weight(item(t, m, "a"), item(t, m, "b"))
		if math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s(a,b) = %v, want %v", tt.sim, got, tt.want)
		}
	}
}

func TestRecencyDecay(t *testing.T) {
	if got, want := decay(3600, 3600e9), float32(0.5); got != want {
		t.Errorf("decay after one half-life = %v, want %v", got, want)
	}
	if got, want := decay(1e9, 0), float32(1); got != want {
		t.Errorf("no half-life: decay = %v, want %v", got, want)
	}
}
