// Package demo generates Candor's demo data set: a shop catalog with a long
// tail of popularity and real co-purchase structure, customers with tastes
// and a mix of consent choices, and their histories. Everything is
// deterministic for a seed, so the demo and its tests see the same shop.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/candorhq/candor/catalog"
)

// SensitiveCategories are the demo's special-category top-level categories.
var SensitiveCategories = []string{"health", "maternity"}

var brandStems = []string{"Oak", "North", "Lumen", "Vera", "Atlas", "Kiro", "Mira", "Tundra", "Solace", "Brisk", "Fable", "Echo"}
var brandEnds = []string{"ridge", "wood", "line", "craft", "works", " & Co", "labs", "field"}

const styleDim = 4

// itemModel is an item with the hidden properties that drive behaviour.
type itemModel struct {
	cat, sub   int
	weight     float64 // popularity, Zipf-like
	style      [styleDim]float64
	companions []int // items bought after this one
}

// shelf names an item's subcategory as "category/subcategory".
func (m itemModel) shelf() string {
	return categories[m.cat].name + "/" + categories[m.cat].subs[m.sub].name
}

func genCatalog(rng *rand.Rand, n, cats int) ([]catalog.Item, []itemModel) {
	brands := make([][]string, cats)
	for c := range brands {
		for len(brands[c]) < 5 {
			b := brandStems[rng.IntN(len(brandStems))] + brandEnds[rng.IntN(len(brandEnds))]
			if !slices.Contains(brands[c], b) {
				brands[c] = append(brands[c], b)
			}
		}
	}
	items := make([]catalog.Item, n)
	models := make([]itemModel, n)
	ranks := rng.Perm(n)
	titles := map[string]bool{}
	for i := range items {
		c := i % cats
		cat := categories[c]
		m := &models[i]
		m.cat, m.sub = c, rng.IntN(len(cat.subs))
		m.weight = 1 / math.Pow(float64(ranks[i])+5, 1.1)
		for d := range m.style {
			m.style[d] = rng.NormFloat64()
		}
		sub := cat.subs[m.sub]
		brand := brands[c][i%5]
		items[i] = catalog.Item{
			ID:        fmt.Sprintf("p-%05d", i),
			Title:     uniqueTitle(rng, titles, brand, cat.adjs, sub.nouns),
			Category:  []string{cat.name, sub.name},
			Brand:     brand,
			Price:     price(rng, sub.low, sub.top),
			Currency:  "EUR",
			Available: rng.Float64() < 0.95,
			Sensitive: slices.Contains(SensitiveCategories, cat.name),
			ImageURL:  PicturePath(fmt.Sprintf("p-%05d", i)),
		}
	}
	linkCompanions(rng, models)
	return items, models
}

// uniqueTitle is "Brand Adjective Noun", drawn again (a few times) when the
// shop already has that title.
func uniqueTitle(rng *rand.Rand, seen map[string]bool, brand string, adjs, nouns []string) string {
	title := ""
	for try := 0; try < 20; try++ {
		title = brand + " " + adjs[rng.IntN(len(adjs))] + " " + nouns[rng.IntN(len(nouns))]
		if !seen[title] {
			break
		}
	}
	seen[title] = true
	return title
}

// price draws a price between low and top, cheap ones more often, ending
// in .99 (or .49 under 10 euros).
func price(rng *rand.Rand, low, top float64) float64 {
	p := low * math.Pow(top/low, math.Pow(rng.Float64(), 1.4))
	if p < 10 {
		return math.Floor(p) + 0.49
	}
	return math.Floor(p) + 0.99
}

// linkCompanions gives each item three companions: items on its own shelf
// or a shelf it goes with (goesWith), of a similar style and popular, so
// that "bought X, then Y" is a learnable pattern and reads sensibly.
func linkCompanions(rng *rand.Rand, models []itemModel) {
	byShelf := map[string][]int{}
	for i, m := range models {
		byShelf[m.shelf()] = append(byShelf[m.shelf()], i)
	}
	related := relatedShelves()
	for i := range models {
		m := &models[i]
		shelves := []string{m.shelf()}
		for _, sh := range related[m.shelf()] {
			if len(byShelf[sh]) > 0 {
				shelves = append(shelves, sh)
			}
		}
		for tries := 0; len(m.companions) < 3 && tries < 30; tries++ {
			pool := byShelf[shelves[rng.IntN(len(shelves))]]
			best, bestSim := -1, math.Inf(-1)
			for k := 0; k < 8; k++ {
				j := pool[rng.IntN(len(pool))]
				if j == i || slices.Contains(m.companions, j) {
					continue
				}
				if s := dot(m.style, models[j].style) + 0.5*math.Log(models[j].weight); s > bestSim {
					best, bestSim = j, s
				}
			}
			if best >= 0 {
				m.companions = append(m.companions, best)
			}
		}
	}
}

// relatedShelves maps each shelf to the shelves it goes with.
func relatedShelves() map[string][]string {
	out := map[string][]string{}
	for _, p := range goesWith {
		out[p[0]] = append(out[p[0]], p[1])
		out[p[1]] = append(out[p[1]], p[0])
	}
	return out
}

func dot(a, b [styleDim]float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
