package models

import (
	"context"
	"math"
	"testing"
)

// headOf returns whether each item of d is in the EASE head of o's fit.
func headOf(tb testing.TB, d *Data, o TrainOptions) []bool {
	tb.Helper()
	o.Kind = KindEASE
	p, err := o.params()
	if err != nil {
		tb.Fatal(err)
	}
	h := chooseHead(newInteractions(d, o.weighting(d, p)), p.TopN, p.MinSupport)
	in := make([]bool, len(d.Items))
	for _, i := range h.items {
		in[i] = true
	}
	return in
}

// TestCappedHeadCoversTheTail: with the head capped below the items that
// have k-anonymous pairs, the items outside it get similarity rows, head
// rows keep EASE's weights towards head items alone, and every weight
// has KAnon users behind it.
func TestCappedHeadCoversTheTail(t *testing.T) {
	d := randomData(t, 600, 80, 10, 23)
	o := TrainOptions{Kind: KindEASE, TopN: 15, KAnon: 5, K: 30, Lambda: 50}
	m := train(t, d, o)
	head := headOf(t, d, o)
	toTail, tailRows := 0, 0
	for r := range int32(m.NumItems()) {
		nbr, _ := m.Neighbours(r)
		if len(nbr) > o.K {
			t.Errorf("row %s keeps %d neighbours, more than K = %d", m.ID(r), len(nbr), o.K)
		}
		for _, j := range nbr {
			if n := coCount(d, m.ID(r), m.ID(j)); n < o.KAnon {
				t.Errorf("weight %s→%s kept with %d users", m.ID(r), m.ID(j), n)
			}
			if head[r] && !head[j] {
				toTail++
			}
		}
		if !head[r] && len(nbr) > 0 {
			tailRows++
		}
	}
	if toTail != 0 {
		t.Errorf("%d weights of head rows point outside the head", toTail)
	}
	if tailRows == 0 {
		t.Error("no row outside the head has neighbours")
	}
}

// TestTailRowsAreScaledSimilarity: every weight of a row outside the head
// is the item-kNN similarity times one factor, and head→head weights are
// EASE's.
func TestTailRowsAreScaledSimilarity(t *testing.T) {
	d := randomData(t, 600, 80, 10, 5)
	o := TrainOptions{Kind: KindEASE, TopN: 15, KAnon: 5, K: -1, Lambda: 50}
	m := train(t, d, o)
	sim := train(t, d, TrainOptions{Kind: KindItemKNN, KAnon: 5, K: -1})
	head := headOf(t, d, o)
	factor := math.NaN()
	for r := range int32(m.NumItems()) {
		nbr, w := m.Neighbours(r)
		for k, j := range nbr {
			if head[r] && head[j] {
				continue
			}
			s := sim.Weight(r, j)
			if s == 0 {
				t.Fatalf("weight %s→%s has no similarity", m.ID(r), m.ID(j))
			}
			f := float64(w[k]) / s
			if math.IsNaN(factor) {
				factor = f
			}
			if math.Abs(f-factor) > 1e-4*math.Abs(factor) {
				t.Fatalf("weight %s→%s is %g × its similarity, others %g ×", m.ID(r), m.ID(j), f, factor)
			}
		}
	}
	if math.IsNaN(factor) {
		t.Fatal("no row outside the head")
	}

	// Head→head weights are those of a path fitted on the same head.
	e, err := NewEASEPath(context.Background(), d, o)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.inverse(context.Background(), Reg{Lambda: o.Lambda})
	if err != nil {
		t.Fatal(err)
	}
	for pi, i := range e.h.items {
		for pj, j := range e.h.items {
			if i == j || coCount(d, m.ID(i), m.ID(j)) < o.KAnon {
				continue
			}
			if got, want := m.Weight(i, j), float64(float32(v.weight(false, int32(pi), int32(pj)))); got != want {
				t.Errorf("head weight %s→%s = %g, want EASE's %g", m.ID(i), m.ID(j), got, want)
			}
		}
	}
}

// TestUncappedHeadHasNoTail: when every item with k-anonymous pairs is in
// the head (ml-latest-small under the default cap), no weight involves an
// item outside it.
func TestUncappedHeadHasNoTail(t *testing.T) {
	d := randomData(t, 600, 80, 10, 7)
	o := TrainOptions{Kind: KindEASE, KAnon: 5, Lambda: 50}
	m := train(t, d, o)
	head := headOf(t, d, o)
	for r := range int32(m.NumItems()) {
		nbr, _ := m.Neighbours(r)
		for _, j := range nbr {
			if !head[r] || !head[j] {
				t.Errorf("weight %s→%s outside the head", m.ID(r), m.ID(j))
			}
		}
	}
}
