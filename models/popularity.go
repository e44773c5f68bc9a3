package models

import (
	"slices"
)

// ItemCount is an item's recency-decayed interaction count.
type ItemCount struct {
	Item  int32
	Count float64 // Σ over distinct users of the recency weight of their latest interaction
	Users int     // distinct users behind Count (always >= k)
}

// Popularity holds the k-anonymous recency-decayed counts, overall and per
// category. An item or category appears only when at least k distinct users
// contributed to it.
type Popularity struct {
	Items      []ItemCount            // by decreasing count
	Categories map[string]float64     // category → decayed count over its items' interactions
	ByCategory map[string][]ItemCount // category → its items, by decreasing count
}

// countPopularity computes the k-anonymous popularity of in's items. cats maps
// an item number to its categories (may be nil).
func countPopularity(in *interactions, kanon int, cats [][]string) *Popularity {
	p := &Popularity{Categories: map[string]float64{}, ByCategory: map[string][]ItemCount{}}
	catUsers := map[string]map[int32]struct{}{}
	for i := range in.byItem.rows() {
		users, w := in.byItem.row(int32(i))
		c := ItemCount{Item: int32(i), Users: len(users)}
		for _, x := range w {
			c.Count += float64(x)
		}
		if i < len(cats) {
			addCategoryCounts(p, catUsers, cats[i], users, c.Count)
		}
		if c.Users >= max(kanon, 1) {
			p.Items = append(p.Items, c)
			if i < len(cats) {
				for _, name := range cats[i] {
					p.ByCategory[name] = append(p.ByCategory[name], c)
				}
			}
		}
	}
	for name, users := range catUsers {
		if len(users) < kanon {
			delete(p.Categories, name)
		}
	}
	sortCounts(p.Items)
	for _, list := range p.ByCategory {
		sortCounts(list)
	}
	return p
}

// addCategoryCounts adds one item's count and users to its categories.
func addCategoryCounts(p *Popularity, catUsers map[string]map[int32]struct{}, names []string, users []int32, count float64) {
	for _, name := range names {
		p.Categories[name] += count
		set := catUsers[name]
		if set == nil {
			set = map[int32]struct{}{}
			catUsers[name] = set
		}
		for _, u := range users {
			set[u] = struct{}{}
		}
	}
}

// sortCounts sorts by decreasing count, then item number.
func sortCounts(list []ItemCount) {
	slices.SortFunc(list, func(a, b ItemCount) int {
		switch {
		case a.Count > b.Count:
			return -1
		case a.Count < b.Count:
			return 1
		}
		return int(a.Item) - int(b.Item)
	})
}

// normalised returns per item its count divided by the largest count, as
// stored in a model.
func (p *Popularity) normalised(nItems int) []float32 {
	pop := make([]float32, nItems)
	if len(p.Items) == 0 || p.Items[0].Count <= 0 {
		return pop
	}
	top := p.Items[0].Count
	for _, c := range p.Items {
		pop[c.Item] = float32(c.Count / top)
	}
	return pop
}

// categoryRows returns the category names (sorted) and for each its top k
// items, weighted by their overall normalised popularity (as in the model's
// pop), so that declaring a category boosts its popular items without
// letting a niche category's best item outrank a popular one elsewhere.
func (p *Popularity) categoryRows(k int) ([]string, [][]neighbour) {
	var names []string
	for name, list := range p.ByCategory {
		if len(list) > 0 && list[0].Count > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	rows := make([][]neighbour, len(names))
	for r, name := range names {
		list := p.ByCategory[name]
		if k > 0 && len(list) > k {
			list = list[:k]
		}
		top := p.Items[0].Count
		row := make([]neighbour, len(list))
		for n, c := range list {
			row[n] = neighbour{item: c.Item, w: float32(c.Count / top)}
		}
		slices.SortFunc(row, func(a, b neighbour) int { return int(a.item) - int(b.item) })
		rows[r] = row
	}
	return names, rows
}
