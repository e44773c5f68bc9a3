package catalog

import (
	"cmp"
	"slices"
	"strings"
)

// Query selects items of a snapshot. Empty fields select everything.
type Query struct {
	Text     string   // every word must appear in the title, brand, ID or category path (any case)
	Category string   // a category path prefix: "home" or "home/lighting"
	IDs      []string // exactly these items, in this order (unknown IDs are left out)
	Limit    int      // most items returned; <= 0 means DefaultSearchLimit
}

// Search limits.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 200
)

// Search returns the items q selects, at most q.Limit of them, and how
// many matched in all. Without IDs, items whose title starts with the text
// come first, then by title.
func (s *Snapshot) Search(q Query) (items []Item, total int) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	words := strings.Fields(strings.ToLower(q.Text))
	prefix := strings.Trim(strings.ToLower(q.Category), "/")
	var out []Item
	match := func(it *Item) bool { return matchesPath(it, prefix) && matchesWords(it, words) }
	if len(q.IDs) > 0 {
		for _, id := range q.IDs {
			if it, ok := s.Get(id); ok && match(it) {
				out = append(out, *it)
			}
		}
		return out[:min(limit, len(out))], len(out)
	}
	for i := range s.items {
		if match(&s.items[i]) {
			out = append(out, s.items[i])
		}
	}
	first := strings.Join(words, " ")
	slices.SortStableFunc(out, func(a, b Item) int {
		pa, pb := strings.HasPrefix(strings.ToLower(a.Title), first), strings.HasPrefix(strings.ToLower(b.Title), first)
		if pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
	})
	return out[:min(limit, len(out))], len(out)
}

func matchesPath(it *Item, prefix string) bool {
	if prefix == "" {
		return true
	}
	p := strings.ToLower(it.CategoryPath())
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func matchesWords(it *Item, words []string) bool {
	if len(words) == 0 {
		return true
	}
	hay := strings.ToLower(it.Title + " " + it.Brand + " " + it.ID + " " + strings.Join(it.Category, " "))
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// Facet is one category or brand with how many items it has; categories
// list their subcategories.
type Facet struct {
	Name  string  `json:"name"`
	Items int     `json:"items"`
	Subs  []Facet `json:"subcategories,omitempty"`
}

// Facets are the snapshot's categories (two levels) and brands, by name.
type Facets struct {
	Categories []Facet `json:"categories"`
	Brands     []Facet `json:"brands"`
}

// Facets counts the snapshot's items per category, subcategory and brand.
func (s *Snapshot) Facets() Facets {
	cats := map[string]map[string]int{}
	brands := map[string]int{}
	for i := range s.items {
		it := &s.items[i]
		top := it.TopCategory()
		if cats[top] == nil {
			cats[top] = map[string]int{}
		}
		sub := ""
		if len(it.Category) > 1 {
			sub = it.Category[1]
		}
		cats[top][sub]++
		if it.Brand != "" {
			brands[it.Brand]++
		}
	}
	f := Facets{Categories: []Facet{}, Brands: counted(brands)}
	for name, subs := range cats {
		c := Facet{Name: name}
		for sub, n := range subs {
			c.Items += n
			if sub != "" {
				c.Subs = append(c.Subs, Facet{Name: sub, Items: n})
			}
		}
		slices.SortFunc(c.Subs, func(a, b Facet) int { return cmp.Compare(a.Name, b.Name) })
		f.Categories = append(f.Categories, c)
	}
	slices.SortFunc(f.Categories, func(a, b Facet) int { return cmp.Compare(a.Name, b.Name) })
	return f
}

func counted(m map[string]int) []Facet {
	out := make([]Facet, 0, len(m))
	for name, n := range m {
		out = append(out, Facet{Name: name, Items: n})
	}
	slices.SortFunc(out, func(a, b Facet) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
