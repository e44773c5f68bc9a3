package demo

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// TestProductsMatchTheirShelves: every product's name is one its shelf
// sells, brands are written properly, and every item has a price and a
// picture.
func TestProductsMatchTheirShelves(t *testing.T) {
	ds := Generate(DefaultConfig(now))
	titles := map[string]bool{}
	for _, it := range ds.Items {
		sub := shelfOf(t, it.Category)
		if noun := productName(&it); !slices.Contains(sub.nouns, noun) {
			t.Errorf("%s %q sits under %s but %q is not sold there", it.ID, it.Title, strings.Join(it.Category, " › "), noun)
		}
		if strings.Contains(it.Brand, "& ") && !strings.Contains(it.Brand, " & ") || strings.Contains(it.Brand, "  ") {
			t.Errorf("brand %q is glued", it.Brand)
		}
		if it.Price < sub.low || it.Price > sub.top+1 || it.Currency != "EUR" {
			t.Errorf("%s costs %v %s, want %v-%v EUR", it.ID, it.Price, it.Currency, sub.low, sub.top)
		}
		if it.ImageURL != PicturePath(it.ID) {
			t.Errorf("%s picture %q", it.ID, it.ImageURL)
		}
		if titles[it.Title] {
			t.Logf("title %q twice", it.Title)
		}
		titles[it.Title] = true
	}
	if len(titles) < len(ds.Items)*98/100 {
		t.Errorf("only %d distinct titles for %d items", len(titles), len(ds.Items))
	}
}

func shelfOf(t *testing.T, path []string) subcategory {
	t.Helper()
	for _, c := range categories {
		for _, s := range c.subs {
			if len(path) == 2 && c.name == path[0] && s.name == path[1] {
				return s
			}
		}
	}
	t.Fatalf("no shelf %v", path)
	return subcategory{}
}

// TestBasketsMakeSense: what a customer buys after an item comes from the
// item's shelf or one that goes with it, and a customer's purchases come
// from one kind of shopper's categories, so "bought together" reads well.
func TestBasketsMakeSense(t *testing.T) {
	cfg := DefaultConfig(now)
	ds := Generate(cfg)
	related := relatedShelves()
	_, models := genCatalog(rngFor(cfg), cfg.Items, cfg.Categories)
	for i, m := range models {
		if len(m.companions) == 0 {
			t.Errorf("%s has no companion", ds.Items[i].ID)
		}
		for _, j := range m.companions {
			if a, b := m.shelf(), models[j].shelf(); a != b && !slices.Contains(related[a], b) {
				t.Errorf("%q is bought after %q, but %s does not go with %s", ds.Items[j].Title, ds.Items[i].Title, b, a)
			}
		}
	}
	for _, p := range goesWith {
		for _, sh := range p {
			cat, sub, _ := strings.Cut(sh, "/")
			shelfOf(t, []string{cat, sub})
		}
	}
	// most pairs of top categories one customer bought from share a persona
	cats := map[string]map[string]bool{}
	top := map[string]string{}
	for _, it := range ds.Items {
		top[it.ID] = it.TopCategory()
	}
	for _, e := range ds.Events {
		if e.Type == "purchase" {
			if cats[e.CustomerID] == nil {
				cats[e.CustomerID] = map[string]bool{}
			}
			cats[e.CustomerID][top[e.ItemID]] = true
		}
	}
	pairs, together := 0, 0
	for _, cs := range cats {
		for a := range cs {
			for b := range cs {
				if a < b {
					pairs++
					if sharePersona(a, b) {
						together++
					}
				}
			}
		}
	}
	t.Logf("%d of %d category pairs bought by one customer belong together", together, pairs)
	if together*100 < pairs*85 {
		t.Errorf("only %d of %d category pairs bought by one customer belong together", together, pairs)
	}
}

// sharePersona reports whether categories a and b are bought by one kind
// of shopper or have shelves that go together.
func sharePersona(a, b string) bool {
	for _, p := range personas {
		if slices.Contains(p, a) && slices.Contains(p, b) {
			return true
		}
	}
	for _, p := range goesWith {
		x, _, _ := strings.Cut(p[0], "/")
		y, _, _ := strings.Cut(p[1], "/")
		if x == a && y == b || x == b && y == a {
			return true
		}
	}
	return false
}

// TestPictures: every category has a symbol, and a picture is well-formed
// SVG naming the product.
func TestPictures(t *testing.T) {
	for _, c := range categories {
		if glyphs[c.glyph] == "" {
			t.Errorf("category %s has no symbol %q", c.name, c.glyph)
		}
	}
	ds := Generate(Config{Seed: 1, Items: 48, Customers: 1, Categories: len(categories), Days: 1, Now: now})
	for _, it := range ds.Items {
		svg := Picture(&it)
		var doc struct {
			XMLName xml.Name
			Title   string `xml:"title"`
			Text    string `xml:"text"`
		}
		if err := xml.Unmarshal(svg, &doc); err != nil || doc.XMLName.Local != "svg" || doc.Title != it.Title || doc.Text != productName(&it) {
			t.Errorf("%s: picture %+v, %v", it.ID, doc, err)
		}
	}
}
