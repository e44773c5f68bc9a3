package models

import (
	"bytes"
	"slices"
	"testing"
)

// Reverse answers only once BuildReverse has built the index; it then
// lists, for every item, exactly the item rows whose neighbours hold it,
// ascending, with their weights; a decoded model and a copy with other
// scoring list the same.
func TestReverseIsTheTranspose(t *testing.T) {
	m := train(t, randomData(t, 300, 120, 12, 3), TrainOptions{Kind: KindItemKNN, K: 15, KAnon: 1})
	if rows, _, ok := m.Reverse(0); ok || rows != nil {
		t.Fatal("Reverse answers before BuildReverse")
	}
	decoded, err := Decode(bytes.NewReader(encode(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	m.BuildReverse()
	decoded.BuildReverse()
	want, wantW := make([][]int32, m.NumItems()), make([][]float32, m.NumItems())
	for r := range int32(m.NumItems()) {
		nbr, w := m.Neighbours(r)
		for k, j := range nbr {
			want[j], wantW[j] = append(want[j], r), append(wantW[j], w[k])
		}
	}
	held := 0
	for _, mm := range []*Model{m, decoded, m.WithScoring(DefaultScoring())} {
		for j := range int32(m.NumItems()) {
			if got, w, ok := mm.Reverse(j); !ok || !slices.Equal(got, want[j]) || !slices.Equal(w, wantW[j]) {
				t.Fatalf("Reverse(%d) = %v %v, want %v %v", j, got, w, want[j], wantW[j])
			}
			held += len(want[j])
		}
	}
	if held == 0 {
		t.Fatal("the model has no neighbours: the test shows nothing")
	}
}

// An artifact with category rows (as written before the scorer owned the
// declared preferences) lists only item rows.
func TestReverseSkipsCategoryRows(t *testing.T) {
	m := &Model{ids: []string{"a", "b"}, cats: []string{"c"}, pop: []float32{0, 0},
		offsets: []int32{0, 1, 2, 4}, nbr: []int32{1, 0, 0, 1}, w: []float32{0.5, 0.25, 1, 1}}
	m.buildIndexes()
	m.BuildReverse()
	if got, w, _ := m.Reverse(0); !slices.Equal(got, []int32{1}) || !slices.Equal(w, []float32{0.25}) {
		t.Errorf("Reverse(0) = %v %v, want [1] [0.25]", got, w)
	}
	if got, w, _ := m.Reverse(1); !slices.Equal(got, []int32{0}) || !slices.Equal(w, []float32{0.5}) {
		t.Errorf("Reverse(1) = %v %v, want [0] [0.5]", got, w)
	}
}
