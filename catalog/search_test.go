package catalog

import (
	"slices"
	"testing"
)

func testSnapshot() *Snapshot {
	return NewSnapshot([]Item{
		{ID: "p1", Title: "Oak Chef Knife", Category: []string{"kitchen", "knives"}, Brand: "Oak"},
		{ID: "p2", Title: "North Skillet", Category: []string{"kitchen", "cookware"}, Brand: "North & Co"},
		{ID: "p3", Title: "Lumen Table Lamp", Category: []string{"home", "lighting"}, Brand: "Lumen"},
		{ID: "p4", Title: "Chef Apron", Category: []string{"kitchen"}, Brand: "Oak"},
		{ID: "p5", Title: "Homely Vase", Category: []string{"homeware", "decor"}},
	}, nil)
}

func TestSearch(t *testing.T) {
	s := testSnapshot()
	for _, tc := range []struct {
		name  string
		q     Query
		want  []string
		total int
	}{
		{"all, by title", Query{}, []string{"p4", "p5", "p3", "p2", "p1"}, 5},
		{"words anywhere, title prefix first", Query{Text: "chef"}, []string{"p4", "p1"}, 2},
		{"every word", Query{Text: "oak knife"}, []string{"p1"}, 1},
		{"brand", Query{Text: "north"}, []string{"p2"}, 1},
		{"category", Query{Category: "kitchen"}, []string{"p4", "p2", "p1"}, 3},
		{"category is a path, not a prefix of a name", Query{Category: "home"}, []string{"p3"}, 1},
		{"subcategory", Query{Category: "kitchen/knives/"}, []string{"p1"}, 1},
		{"ids in order, unknown left out", Query{IDs: []string{"p3", "nope", "p1"}}, []string{"p3", "p1"}, 2},
		{"limit", Query{Category: "kitchen", Limit: 1}, []string{"p4"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, total := s.Search(tc.q)
			var got []string
			for _, it := range items {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, tc.want) || total != tc.total {
				t.Errorf("got %v of %d, want %v of %d", got, total, tc.want, tc.total)
			}
		})
	}
}

func TestFacets(t *testing.T) {
	f := testSnapshot().Facets()
	var cats []string
	for _, c := range f.Categories {
		cats = append(cats, c.Name)
	}
	if !slices.Equal(cats, []string{"home", "homeware", "kitchen"}) || f.Categories[2].Items != 3 || len(f.Categories[2].Subs) != 2 {
		t.Errorf("categories %+v", f.Categories)
	}
	if len(f.Brands) != 3 || f.Brands[2].Name != "Oak" || f.Brands[2].Items != 2 {
		t.Errorf("brands %+v", f.Brands)
	}
}

func TestValidImageURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://img.example.com/a.jpg", true}, {"http://x/y.png", true}, {"/demo/images/p-1.svg", true},
		{"//evil.example/x.png", false}, {"javascript:alert(1)", false}, {"data:image/svg+xml,<svg>", false}, {"/a b.png", false},
	} {
		it := Item{ID: "p1", Title: "t", Category: []string{"c"}, ImageURL: tc.url}
		if err := it.Validate(); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}
