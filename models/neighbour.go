package models

import (
	"container/heap"
	"slices"
)

// neighbour is one weighted entry of a row while a model is being built.
type neighbour struct {
	item int32
	w    float32
}

// better reports whether a ranks before b when keeping a row's top K: larger
// magnitude first (a strong negative EASE weight matters to the ranking as
// much as a strong positive one: on ml-latest-small, keeping the 200 largest
// by value lost 0.024 nDCG@10 against untruncated EASE, by magnitude 0.007),
// then lower item number, so truncation is deterministic.
func better(a, b neighbour) bool {
	if x, y := abs32(a.w), abs32(b.w); x != y {
		return x > y
	}
	return a.item < b.item
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// topK keeps the best k neighbours offered to it, in O(log k) per offer.
// k <= 0 keeps everything.
type topK struct {
	k int
	h []neighbour // a min-heap by better: the root is the worst kept
}

func (t *topK) Len() int           { return len(t.h) }
func (t *topK) Less(i, j int) bool { return better(t.h[j], t.h[i]) }
func (t *topK) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topK) Push(x any)         { t.h = append(t.h, x.(neighbour)) }
func (t *topK) Pop() any {
	n := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return n
}

// reset empties t for a new row of at most k neighbours.
func (t *topK) reset(k int) {
	t.k = k
	t.h = t.h[:0]
}

// offer considers one neighbour.
func (t *topK) offer(n neighbour) {
	switch {
	case t.k <= 0 || len(t.h) < t.k:
		t.h = append(t.h, n)
		if t.k > 0 && len(t.h) == t.k {
			heap.Init(t)
		}
	case better(n, t.h[0]):
		t.h[0] = n
		heap.Fix(t, 0)
	}
}

// row returns a copy of the kept neighbours sorted by item number, the order
// Model.Weight binary-searches.
func (t *topK) row() []neighbour {
	row := slices.Clone(t.h)
	slices.SortFunc(row, func(a, b neighbour) int { return int(a.item) - int(b.item) })
	return row
}
