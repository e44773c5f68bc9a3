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

// Popularity holds the k-anonymous recency-decayed counts. An item appears
// only when at least k distinct users contributed to it.
type Popularity struct {
	Items []ItemCount // by decreasing count
}

// countPopularity computes the k-anonymous popularity of in's items.
func countPopularity(in *interactions, kanon int) *Popularity {
	p := &Popularity{}
	for i := range in.byItem.rows() {
		users, w := in.byItem.row(int32(i))
		c := ItemCount{Item: int32(i), Users: len(users)}
		for _, x := range w {
			c.Count += float64(x)
		}
		if c.Users >= max(kanon, 1) {
			p.Items = append(p.Items, c)
		}
	}
	sortCounts(p.Items)
	return p
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
