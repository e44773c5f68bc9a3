package models

import "sync"

// reverseIndex lists, for every item j, the item rows whose neighbours hold
// j with the weights they hold it by (the transpose of the item rows),
// built on first use: a scorer that explains a few candidates of a long
// history walks the candidates' lists instead of every evidence item's.
type reverseIndex struct {
	once    sync.Once
	offsets []int32   // len NumItems+1
	rows    []int32   // rows[offsets[j]:offsets[j+1]]: ascending item rows
	w       []float32 // w[q] = W[rows[q]][j]
}

// Reverse returns the items whose neighbour lists hold item j, ascending,
// and W[row][j] of each (category rows are never listed). The slices alias
// the model and must not be modified. The index is built on the first call
// and takes as much memory as the item rows' neighbours.
func (m *Model) Reverse(j int32) ([]int32, []float32) {
	r := m.reverse()
	lo, hi := r.offsets[j], r.offsets[j+1]
	return r.rows[lo:hi], r.w[lo:hi]
}

// BuildReverse builds the index Reverse reads, if it is not built yet, so
// that a model's first recommendation does not wait for it.
func (m *Model) BuildReverse() { m.reverse() }

func (m *Model) reverse() *reverseIndex {
	r := m.rev
	r.once.Do(func() { r.build(m) })
	return r
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
