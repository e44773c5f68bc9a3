package models

import (
	"sync"
	"sync/atomic"
)

// reverseIndex lists, for every item j, the item rows whose neighbours hold
// j with the weights they hold it by (the transpose of the item rows),
// built by BuildReverse: a scorer that explains a few candidates of a long
// history walks the candidates' lists instead of every evidence item's.
type reverseIndex struct {
	once    sync.Once
	built   atomic.Bool
	offsets []int32   // len NumItems+1
	rows    []int32   // rows[offsets[j]:offsets[j+1]]: ascending item rows
	w       []float32 // w[q] = W[rows[q]][j]
}

// Reverse returns the items whose neighbour lists hold item j, ascending,
// and W[row][j] of each (category rows are never listed); ok is false
// until BuildReverse has built the index. The slices alias the model and
// must not be modified.
func (m *Model) Reverse(j int32) (rows []int32, w []float32, ok bool) {
	r := m.rev
	if !r.built.Load() {
		return nil, nil, false
	}
	lo, hi := r.offsets[j], r.offsets[j+1]
	return r.rows[lo:hi], r.w[lo:hi], true
}

// BuildReverse builds the index Reverse reads, once; it takes as much
// memory again as the item rows' neighbours (8 bytes a weight: 16 MB for
// 10,000 items of 200 neighbours, 152 MB and about a second for 100,000).
// The server builds it when a model goes live; validation's many fits do
// without it.
func (m *Model) BuildReverse() {
	r := m.rev
	r.once.Do(func() {
		r.build(m)
		r.built.Store(true)
	})
}

// build transposes m's item rows by a counting sort on the neighbour;
// walking the rows in order leaves each list ascending.
func (r *reverseIndex) build(m *Model) {
	n := m.NumItems()
	end := m.offsets[n] // the item rows' weights come first
	r.offsets = make([]int32, n+1)
	for _, j := range m.nbr[:end] {
		r.offsets[j+1]++
	}
	for j := range n {
		r.offsets[j+1] += r.offsets[j]
	}
	r.rows, r.w = make([]int32, end), make([]float32, end)
	fill := make([]int32, n)
	copy(fill, r.offsets[:n])
	for row := range int32(n) {
		for q := m.offsets[row]; q < m.offsets[row+1]; q++ {
			j := m.nbr[q]
			r.rows[fill[j]], r.w[fill[j]] = row, m.w[q]
			fill[j]++
		}
	}
}
