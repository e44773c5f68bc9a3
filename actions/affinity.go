package actions

import (
	"slices"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
)

// targets indexes the items the catalog's actions promote for one model
// and item catalog, so that a customer's affinity costs one pass over
// their recent history's neighbours.
type targets struct {
	model    recommend.Model
	items    *catalog.Snapshot
	slot     []int32   // model index → target ordinal, -1 when no action promotes it
	byAction [][]int32 // per action: ordinals of its items in the model
	category []float64 // per action: its category's popularity, 0 when none
	n        int       // number of target ordinals
}

// categoryTop is how many of a category's most popular items its
// popularity averages.
const categoryTop = 10

// targetsFor returns the index for m and items, building it on first use
// after a swap of either. Concurrent first uses may build it twice.
func (c *Compiled) targetsFor(m recommend.Model, items *catalog.Snapshot) *targets {
	if t := c.targets.Load(); t != nil && t.model == m && t.items == items {
		return t
	}
	t := &targets{model: m, items: items, slot: make([]int32, m.NumItems()), byAction: make([][]int32, len(c.actions))}
	for i := range t.slot {
		t.slot[i] = -1
	}
	var n int32
	for i := range c.actions {
		for _, id := range c.actions[i].Items {
			j, ok := m.Lookup(id)
			if !ok {
				continue
			}
			if t.slot[j] < 0 {
				t.slot[j], n = n, n+1
			}
			t.byAction[i] = append(t.byAction[i], t.slot[j])
		}
	}
	t.n = int(n)
	t.category = c.categoryPopularity(m, items)
	c.targets.Store(t)
	return t
}

// categoryPopularity returns per action the mean popularity of the
// categoryTop most popular model items in its category (needs items).
func (c *Compiled) categoryPopularity(m recommend.Model, items *catalog.Snapshot) []float64 {
	out := make([]float64, len(c.actions))
	if items == nil {
		return out
	}
	want := map[string][]float64{}
	for _, a := range c.actions {
		if a.Category != "" {
			want[a.Category] = nil
		}
	}
	if len(want) == 0 {
		return out
	}
	for j := int32(0); int(j) < m.NumItems(); j++ {
		it, ok := items.Get(m.ItemID(j))
		if !ok || items.IsSensitive(it) {
			continue
		}
		if ps, ok := want[it.TopCategory()]; ok {
			want[it.TopCategory()] = append(ps, m.Popularity(j))
		}
	}
	for i, a := range c.actions {
		ps := want[a.Category]
		slices.SortFunc(ps, func(x, y float64) int { return compareDesc(x, y) })
		ps = ps[:min(len(ps), categoryTop)]
		var sum float64
		for _, p := range ps {
			sum += p
		}
		if len(ps) > 0 {
			out[i] = sum / float64(len(ps))
		}
	}
	return out
}

func compareDesc(x, y float64) int {
	switch {
	case x > y:
		return -1
	case x < y:
		return 1
	}
	return 0
}

// affinity is a customer's accumulated neighbour weight to every target,
// per feature set, with the history item that gave the most.
type affinity struct {
	sum  [2][]float64 // [purchases, browsing] per target ordinal
	best [2][]int32   // history model index that gave the most, -1 for none
	bw   [2][]float64
}

// historySets are the sets affinity reads, in the order of affinity's
// arrays.
var historySets = [2]consent.Scope{consent.Purchases, consent.Browsing}

// affinityOf accumulates the neighbour weights of the customer's most
// recent maxHistory interactions per granted set to the targets.
func (t *targets) affinityOf(st *features.State, g consent.Grant, maxHistory int) *affinity {
	n := t.n
	a := &affinity{}
	if st == nil || n == 0 {
		return a
	}
	for k, set := range historySets {
		hist := st.Interactions[set]
		if !g.Has(set) || len(hist) == 0 {
			continue
		}
		a.sum[k], a.bw[k], a.best[k] = make([]float64, n), make([]float64, n), make([]int32, n)
		hist = hist[max(0, len(hist)-maxHistory):] // stored oldest first
		for _, h := range hist {
			a.add(k, t, h.Item)
		}
	}
	return a
}

// add adds the neighbours of one history item for set k.
func (a *affinity) add(k int, t *targets, item string) {
	h, ok := t.model.Lookup(item)
	if !ok {
		return
	}
	nbr, w := t.model.Neighbours(h)
	for x, j := range nbr {
		if int(j) >= len(t.slot) {
			continue
		}
		s := t.slot[j]
		if s < 0 {
			continue
		}
		v := float64(w[x])
		a.sum[k][s] += v
		if v > a.bw[k][s] {
			a.bw[k][s], a.best[k][s] = v, h
		}
	}
}

// of returns action i's affinity from set k and its best evidence.
func (a *affinity) of(k int, t *targets, i int) (float64, string) {
	if a.sum[k] == nil {
		return 0, ""
	}
	var sum, bw float64
	best := int32(-1)
	for _, s := range t.byAction[i] {
		sum += a.sum[k][s]
		if a.bw[k][s] > bw {
			bw, best = a.bw[k][s], a.best[k][s]
		}
	}
	if best < 0 {
		return sum, ""
	}
	return sum, t.model.ItemID(best)
}
