// Package recommendtest gives tests a real, small recommendation world: a
// catalog and an item-to-item model learned from generated baskets.
package recommendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/models"
)

// Model is a real, small item-to-item model: cosine co-occurrence over
// generated baskets, top-K neighbours sorted by index.
type Model struct {
	ids   []string
	index map[string]int32
	nbr   [][]int32
	w     [][]float32
	pop   []float64
}

func (m *Model) Version() string { return "test-1" }

// Items returns the catalog items of the world.
func (m *Model) IDs() []string { return m.ids }
func (m *Model) NumItems() int { return len(m.ids) }
func (m *Model) Lookup(id string) (int32, bool) {
	i, ok := m.index[id]
	return i, ok
}
func (m *Model) ItemID(i int32) string                   { return m.ids[i] }
func (m *Model) Neighbours(i int32) ([]int32, []float32) { return m.nbr[i], m.w[i] }
func (m *Model) Popularity(i int32) float64              { return m.pop[i] }

// Scoring returns the default scoring, with no recency decay.
func (m *Model) Scoring() models.Scoring { return models.DefaultScoring() }

// World is a catalog and a model over it: items in 6 categories, one of
// them sensitive; baskets mostly within a category.
func World(seed uint64, nItems int) (*catalog.Snapshot, *Model) {
	rng := rand.New(rand.NewPCG(seed, 1))
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	items := make([]catalog.Item, nItems)
	m := &Model{index: map[string]int32{}}
	for i := range items {
		id := fmt.Sprintf("i%03d", i)
		items[i] = catalog.Item{ID: id, Title: "Item " + id, Category: []string{cats[i%len(cats)]}, Available: i%17 != 0}
		m.ids = append(m.ids, id)
		m.index[id] = int32(i)
	}
	co := make([]map[int32]float64, nItems)
	count := make([]float64, nItems)
	for i := range co {
		co[i] = map[int32]float64{}
	}
	for b := 0; b < 3000; b++ {
		c := rng.IntN(len(cats))
		basket := map[int32]bool{}
		for k := 0; k < 2+rng.IntN(4); k++ {
			j := c + len(cats)*int(math.Min(float64(nItems/len(cats)-1), math.Abs(rng.NormFloat64())*6))
			basket[int32(j)] = true
		}
		for a := range basket {
			count[a]++
			for bb := range basket {
				if a != bb {
					co[a][bb]++
				}
			}
		}
	}
	maxC := 0.0
	for _, c := range count {
		maxC = math.Max(maxC, c)
	}
	for i := range co {
		var nb []int32
		for j := range co[i] {
			nb = append(nb, j)
		}
		sort.Slice(nb, func(a, b int) bool { return nb[a] < nb[b] })
		w := make([]float32, len(nb))
		for k, j := range nb {
			w[k] = float32(co[i][j] / math.Sqrt(count[i]*count[j]))
		}
		m.nbr, m.w = append(m.nbr, nb), append(m.w, w)
		m.pop = append(m.pop, count[i]/maxC)
	}
	return catalog.NewSnapshot(items, []string{"health"}), m
}
