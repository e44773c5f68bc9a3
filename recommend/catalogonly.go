package recommend

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/models"
)

// Fallback reasons of an answer made without a model.
const (
	FallbackNoModel      = "no_model"      // none loaded yet
	FallbackModelRetired = "model_retired" // the live one's data is older than --max-model-age
)

// catalogModel is what a server answers with while it holds no model it
// may use: none loaded yet, or the live one retired. It knows the catalog
// and nothing learnt from anyone's data (no neighbours, no popularity), so
// its answer is the catalog's available items in ID order, labelled a
// fallback, and is never a 5xx.
type catalogModel struct {
	cat *catalog.Snapshot
	ids []string
	idx map[string]int32
}

func newCatalogModel(cat *catalog.Snapshot) *catalogModel {
	m := &catalogModel{cat: cat, ids: make([]string, 0, cat.Len())}
	for _, it := range cat.Items() {
		m.ids = append(m.ids, it.ID)
	}
	slices.Sort(m.ids)
	m.idx = make(map[string]int32, len(m.ids))
	for i, id := range m.ids {
		m.idx[id] = int32(i)
	}
	return m
}

func (m *catalogModel) Version() string { return "" }
func (m *catalogModel) NumItems() int   { return len(m.ids) }
func (m *catalogModel) Lookup(id string) (int32, bool) {
	i, ok := m.idx[id]
	return i, ok
}
func (m *catalogModel) ItemID(i int32) string                 { return m.ids[i] }
func (m *catalogModel) Neighbours(int32) ([]int32, []float32) { return nil, nil }
func (m *catalogModel) Popularity(int32) float64              { return 0 }
func (m *catalogModel) Scoring() models.Scoring               { return models.DefaultScoring() }

// catalogModels keeps the catalog model of the live catalog, so that the
// scorer's per-model indexes are built once per catalog, not per request.
type catalogModels struct {
	mu  sync.Mutex
	cur atomic.Pointer[catalogModel]
}

func (c *catalogModels) get(cat *catalog.Snapshot) *catalogModel {
	if m := c.cur.Load(); m != nil && m.cat == cat {
		return m
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.cur.Load(); m != nil && m.cat == cat {
		return m
	}
	m := newCatalogModel(cat)
	c.cur.Store(m)
	return m
}
