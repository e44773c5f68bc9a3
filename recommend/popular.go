package recommend

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/candorhq/candor/catalog"
)

// popular is what the scorer knows per model item for one model and
// catalog: the catalog entry, its sensitivity and lower-case categories
// (so filtering and declared preferences are an index, not a map lookup),
// and the items with a popularity, overall and per category, most popular
// first (the order in which items no evidence reached compete).
type popular struct {
	model     Model
	catalog   *catalog.Snapshot
	items     []*catalog.Item // nil: not in the catalog
	available []bool          // in the catalog and available: read without reading the entry, often not in the cache
	sensitive []bool
	cats      [][]int32        // the item's categories, as catIDs
	catIDs    map[string]int32 // lower-case category → its number
	inCatalog map[string]bool  // every lower-case category of the catalog, its items in the model or not
	hide      []string         // the label of the control hiding the item's category
	overall   []int32          // available items with popularity > 0
	byCat     map[string][]int32
	zero      []int32 // available items without popularity, by index
}

func buildPopular(m Model, cat *catalog.Snapshot) *popular {
	n := m.NumItems()
	p := &popular{model: m, catalog: cat, items: make([]*catalog.Item, n), available: make([]bool, n), sensitive: make([]bool, n), cats: make([][]int32, n),
		catIDs: map[string]int32{}, inCatalog: map[string]bool{}, hide: make([]string, n), byCat: map[string][]int32{}}
	for _, it := range cat.Items() {
		for _, c := range it.Category {
			p.inCatalog[strings.ToLower(c)] = true
		}
	}
	labels := map[string]string{}
	for i := int32(0); int(i) < n; i++ {
		it, ok := cat.Get(m.ItemID(i))
		if !ok {
			continue
		}
		p.items[i], p.available[i], p.sensitive[i] = it, it.Available, cat.IsSensitive(it)
		if _, ok := labels[it.TopCategory()]; !ok {
			labels[it.TopCategory()] = HideLabel(it.TopCategory())
		}
		p.hide[i] = labels[it.TopCategory()]
		for _, c := range it.Category {
			p.cats[i] = append(p.cats[i], p.intern(strings.ToLower(c)))
		}
		switch {
		case !it.Available:
		case m.Popularity(i) > 0:
			p.overall = append(p.overall, i)
		default:
			p.zero = append(p.zero, i)
		}
	}
	sort.Slice(p.overall, func(a, b int) bool { // as candidates are ranked: score, then ID
		x, y := p.overall[a], p.overall[b]
		if px, py := m.Popularity(x), m.Popularity(y); px != py {
			return px > py
		}
		return m.ItemID(x) < m.ItemID(y)
	})
	names := make([]string, len(p.catIDs))
	for c, id := range p.catIDs {
		names[id] = c
	}
	for _, i := range p.overall {
		for _, id := range p.cats[i] {
			p.byCat[names[id]] = append(p.byCat[names[id]], i)
		}
	}
	return p
}

// intern returns the number of lower-case category c, numbering it if it
// is new.
func (p *popular) intern(c string) int32 {
	id, ok := p.catIDs[c]
	if !ok {
		id = int32(len(p.catIDs))
		p.catIDs[c] = id
	}
	return id
}

// catID returns the number of lower-case category c, or noCategory when
// no item of the model is filed under it. Per-candidate checks compare
// numbers, not strings.
func (p *popular) catID(c string) int32 {
	if id, ok := p.catIDs[c]; ok {
		return id
	}
	return noCategory
}

// noCategory is catID's answer for a category no item is filed under.
const noCategory = -1

// inCategory reports whether item i is filed under category c (lower case).
func (p *popular) inCategory(i int32, c string) bool { return p.hasCategory(i, p.catID(c)) }

// hasCategory reports whether item i is filed under category number id
// (never under noCategory).
func (p *popular) hasCategory(i, id int32) bool {
	for _, x := range p.cats[i] {
		if x == id {
			return true
		}
	}
	return false
}

// popularCache keeps the index for the live model and catalog and rebuilds
// it when either is swapped.
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
