package recommend_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
)

// coModel is a real, small item-to-item model: cosine co-occurrence over
// generated baskets, top-K neighbours sorted by index.
type coModel struct {
	ids   []string
	index map[string]int32
	nbr   [][]int32
	w     [][]float32
	pop   []float64
}

func (m *coModel) Version() string { return "test-1" }
func (m *coModel) NumItems() int   { return len(m.ids) }
func (m *coModel) Lookup(id string) (int32, bool) {
	i, ok := m.index[id]
	return i, ok
}
func (m *coModel) ItemID(i int32) string                   { return m.ids[i] }
func (m *coModel) Neighbours(i int32) ([]int32, []float32) { return m.nbr[i], m.w[i] }
func (m *coModel) Popularity(i int32) float64              { return m.pop[i] }

// world is a catalog and a model over it: items in 6 categories, one of
// them sensitive; baskets mostly within a category.
func world(seed uint64, nItems int) (*catalog.Snapshot, *coModel) {
	rng := rand.New(rand.NewPCG(seed, 1))
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	items := make([]catalog.Item, nItems)
	m := &coModel{index: map[string]int32{}}
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

// fakeReader returns stored states by customer; it counts reads.
type fakeReader struct {
	states map[string]*features.State
	err    error
	reads  int
}

func (f *fakeReader) ReadState(_ context.Context, id string, req consent.Request) (*features.State, error) {
	f.reads++
	if f.err != nil {
		return nil, f.err
	}
	if st, ok := f.states[id]; ok {
		return st, nil
	}
	return &features.State{CustomerID: id, Decision: consent.Evaluate(nil, req), Interactions: map[consent.Scope][]features.Interaction{}}, nil
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// stateWith builds a state the way the gated read does: only granted sets.
func stateWith(id string, granted []consent.Scope, purchases, views []string, declared []string) *features.State {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.AllScopes {
		st := consent.Denied
		for _, g := range granted {
			if g == s {
				st = consent.Granted
			}
		}
		recs[s] = consent.Record{Scope: s, State: st, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	d := consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1})
	st := &features.State{CustomerID: id, Decision: d, Interactions: map[consent.Scope][]features.Interaction{}}
	g := d.Grant()
	if g.Has(consent.Purchases) {
		st.Interactions[consent.Purchases] = interactions(purchases)
	}
	if g.Has(consent.Browsing) {
		st.Interactions[consent.Browsing] = interactions(views)
	}
	if g.Has(consent.Declared) && declared != nil {
		st.Declared = &features.Declared{Categories: declared}
	}
	return st
}

func interactions(ids []string) []features.Interaction {
	out := make([]features.Interaction, len(ids))
	for i, id := range ids {
		out[i] = features.Interaction{Item: id, Last: now.Add(-time.Duration(len(ids)-i) * time.Hour), Count: 1 + i%3}
	}
	return out
}

func newService(r recommend.StateReader, cat *catalog.Snapshot, m recommend.Model) *recommend.Service {
	return recommend.NewService(recommend.Deps{
		Reader:  r,
		Model:   func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat },
		Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1, GPC: gpc} },
		Feedback: func(m map[string]string) features.FeedbackState {
			fs := features.FeedbackState{NotInterested: map[string]bool{}, HiddenCategories: map[string]bool{}}
			for k := range m {
				if len(k) > 3 && k[:3] == "ni:" {
					fs.NotInterested[k[3:]] = true
				}
				if len(k) > 3 && k[:3] == "hc:" {
					fs.HiddenCategories[k[3:]] = true
				}
			}
			return fs
		},
	}, recommend.Config{})
}
