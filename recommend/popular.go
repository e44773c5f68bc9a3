package recommend

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/candorhq/candor/catalog"
)

// popular holds the non-personal candidate lists for one model and catalog:
// the most popular items overall and per top-level category.
type popular struct {
	model   Model
	catalog *catalog.Snapshot
	overall []int32
	byCat   map[string][]int32
	// items and sensitive are the catalog entry and its sensitivity per
	// model item index (nil: not in the catalog), so that filtering a
	// candidate is an index, not a map lookup by ID.
	items     []*catalog.Item
	sensitive []bool
}

const popularListLen = 60

func buildPopular(m Model, cat *catalog.Snapshot) *popular {
	n := m.NumItems()
	p := &popular{model: m, catalog: cat, byCat: map[string][]int32{}, items: make([]*catalog.Item, n), sensitive: make([]bool, n)}
	var all []int32
	for i := int32(0); int(i) < n; i++ {
		if it, ok := cat.Get(m.ItemID(i)); ok {
			p.items[i], p.sensitive[i] = it, cat.IsSensitive(it)
		}
		if m.Popularity(i) > 0 {
			all = append(all, i)
		}
	}
	sort.Slice(all, func(a, b int) bool {
		pa, pb := m.Popularity(all[a]), m.Popularity(all[b])
		if pa != pb {
			return pa > pb
		}
		return all[a] < all[b]
	})
	for _, i := range all {
		it, ok := cat.Get(m.ItemID(i))
		if !ok || !it.Available {
			continue
		}
		if len(p.overall) < popularListLen {
			p.overall = append(p.overall, i)
		}
		if c := it.TopCategory(); len(p.byCat[c]) < popularListLen {
			p.byCat[c] = append(p.byCat[c], i)
		}
	}
	return p
}

// popularCache keeps the lists for the live model and catalog and rebuilds
// them when either is swapped.
type popularCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[popular]
}

func (c *popularCache) get(m Model, cat *catalog.Snapshot) *popular {
	if p := c.cur.Load(); p != nil && p.model == m && p.catalog == cat {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.cur.Load(); p != nil && p.model == m && p.catalog == cat {
		return p
	}
	p := buildPopular(m, cat)
	c.cur.Store(p)
	return p
}
