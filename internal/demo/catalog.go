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

// categoryNames are the shop's top-level categories with their
// subcategories and product nouns. The last two are special-category data.
var categoryNames = []struct {
	name  string
	subs  []string
	nouns []string
}{
	{"kitchen", []string{"cookware", "knives", "baking", "tableware"}, []string{"Skillet", "Saucepan", "Chef Knife", "Baking Tray", "Plate Set", "Whisk"}},
	{"garden", []string{"tools", "seeds", "planters", "furniture"}, []string{"Trowel", "Rose Seeds", "Planter", "Garden Chair", "Hose", "Pruner"}},
	{"books", []string{"fiction", "cooking", "travel", "children"}, []string{"Novel", "Cookbook", "Travel Guide", "Picture Book", "Anthology", "Atlas"}},
	{"music", []string{"vinyl", "instruments", "audio", "sheet"}, []string{"LP", "Ukulele", "Headphones", "Songbook", "Speaker", "Guitar Strings"}},
	{"outdoor", []string{"camping", "hiking", "climbing", "cycling"}, []string{"Tent", "Backpack", "Harness", "Bike Light", "Sleeping Bag", "Trail Poles"}},
	{"fashion", []string{"shirts", "trousers", "shoes", "accessories"}, []string{"Oxford Shirt", "Chinos", "Sneakers", "Belt", "Scarf", "Loafers"}},
	{"beauty", []string{"skincare", "haircare", "fragrance", "makeup"}, []string{"Face Cream", "Shampoo", "Eau de Parfum", "Lipstick", "Serum", "Hair Oil"}},
	{"toys", []string{"puzzles", "building", "plush", "games"}, []string{"Puzzle", "Brick Set", "Teddy Bear", "Board Game", "Kite", "Yo-Yo"}},
	{"electronics", []string{"phones", "computers", "cameras", "wearables"}, []string{"Phone Case", "Laptop Stand", "Camera Lens", "Smartwatch", "Charger", "Keyboard"}},
	{"home", []string{"lighting", "textiles", "decor", "storage"}, []string{"Lamp", "Throw Blanket", "Vase", "Storage Box", "Cushion", "Mirror"}},
	{"pets", []string{"dogs", "cats", "fish", "birds"}, []string{"Dog Lead", "Cat Tree", "Aquarium Filter", "Bird Feeder", "Pet Bed", "Chew Toy"}},
	{"sports", []string{"running", "yoga", "fitness", "team"}, []string{"Running Shoes", "Yoga Mat", "Kettlebell", "Football", "Resistance Band", "Water Bottle"}},
	{"office", []string{"paper", "pens", "desks", "organisers"}, []string{"Notebook", "Fountain Pen", "Desk Lamp", "Organiser", "Stapler", "Planner"}},
	{"food", []string{"coffee", "tea", "snacks", "pantry"}, []string{"Coffee Beans", "Green Tea", "Granola", "Olive Oil", "Dark Chocolate", "Pasta"}},
	{"wine", []string{"red", "white", "sparkling", "accessories"}, []string{"Rioja", "Riesling", "Cava", "Corkscrew", "Decanter", "Wine Glasses"}},
	{"diy", []string{"power-tools", "hand-tools", "paint", "hardware"}, []string{"Drill", "Screwdriver Set", "Wall Paint", "Hinge Set", "Sander", "Spirit Level"}},
	{"automotive", []string{"care", "accessories", "tools", "electronics"}, []string{"Car Wax", "Seat Cover", "Tyre Gauge", "Dash Cam", "Phone Mount", "Jump Starter"}},
	{"baby-gear", []string{"strollers", "feeding", "nursery", "bath"}, []string{"Stroller", "Bottle Set", "Cot Mobile", "Baby Bath", "High Chair", "Bib Set"}},
	{"art", []string{"painting", "drawing", "crafts", "frames"}, []string{"Watercolour Set", "Sketchbook", "Craft Kit", "Picture Frame", "Easel", "Brush Set"}},
	{"travel", []string{"luggage", "bags", "organisers", "comfort"}, []string{"Suitcase", "Weekender Bag", "Packing Cubes", "Neck Pillow", "Travel Adapter", "Toiletry Bag"}},
	{"games", []string{"console", "pc", "tabletop", "retro"}, []string{"Controller", "Gaming Mouse", "Dice Set", "Retro Console", "Headset", "Card Game"}},
	{"jewellery", []string{"rings", "necklaces", "watches", "earrings"}, []string{"Silver Ring", "Pendant", "Wristwatch", "Stud Earrings", "Bracelet", "Chain"}},
	{"health", []string{"supplements", "first-aid", "monitoring", "mobility"}, []string{"Vitamin D", "First Aid Kit", "Blood Pressure Monitor", "Walking Aid", "Thermometer", "Probiotic"}},
	{"maternity", []string{"clothing", "care", "nursing", "tests"}, []string{"Maternity Jeans", "Belly Balm", "Nursing Pillow", "Pregnancy Test", "Support Belt", "Nursing Bra"}},
}

// SensitiveCategories are the demo's special-category top-level categories.
var SensitiveCategories = []string{"health", "maternity"}

var brandStems = []string{"Oak", "North", "Lumen", "Vera", "Atlas", "Kiro", "Mira", "Tundra", "Solace", "Brisk", "Fable", "Echo"}
var brandEnds = []string{"ridge", "wood", "line", "craft", "works", "& Co", "labs", "field"}
var adjectives = []string{"Classic", "Essential", "Pro", "Compact", "Deluxe", "Everyday", "Signature", "Eco", "Premium", "Mini"}

const styleDim = 4

// itemModel is an item with the hidden properties that drive behaviour.
type itemModel struct {
	cat, sub   int
	weight     float64 // popularity, Zipf-like
	style      [styleDim]float64
	companions []int // items bought after this one
}

func genCatalog(rng *rand.Rand, n, cats int) ([]catalog.Item, []itemModel) {
	brands := make([][]string, cats)
	for c := range brands {
		for b := 0; b < 5; b++ {
			brands[c] = append(brands[c], brandStems[rng.IntN(len(brandStems))]+brandEnds[rng.IntN(len(brandEnds))])
		}
	}
	items := make([]catalog.Item, n)
	models := make([]itemModel, n)
	ranks := rng.Perm(n)
	for i := range items {
		c := i % cats
		cn := categoryNames[c]
		sub := rng.IntN(len(cn.subs))
		m := &models[i]
		m.cat, m.sub = c, sub
		m.weight = 1 / math.Pow(float64(ranks[i])+5, 1.1)
		for d := range m.style {
			m.style[d] = rng.NormFloat64()
		}
		items[i] = catalog.Item{
			ID:        fmt.Sprintf("p-%05d", i),
			Title:     fmt.Sprintf("%s %s %s", brands[c][i%5], adjectives[rng.IntN(len(adjectives))], cn.nouns[rng.IntN(len(cn.nouns))]),
			Category:  []string{cn.name, cn.subs[sub]},
			Brand:     brands[c][i%5],
			Price:     math.Round(math.Exp(2.5+rng.NormFloat64()*0.7)*100) / 100,
			Currency:  "EUR",
			Available: rng.Float64() < 0.95,
			Sensitive: slices.Contains(SensitiveCategories, cn.name),
			ImageURL:  fmt.Sprintf("https://img.example.com/p-%05d.jpg", i),
		}
	}
	linkCompanions(rng, models, cats)
	return items, models
}

// linkCompanions gives each item three companions: items of the same or a
// neighbouring category with a similar style, so that "bought X, then Y"
// is a learnable pattern.
func linkCompanions(rng *rand.Rand, models []itemModel, cats int) {
	byCat := make([][]int, cats)
	for i, m := range models {
		byCat[m.cat] = append(byCat[m.cat], i)
	}
	for i := range models {
		m := &models[i]
		for len(m.companions) < 3 {
			c := m.cat
			if rng.Float64() < 0.3 {
				c = (m.cat + 1) % cats
			}
			best, bestSim := -1, math.Inf(-1)
			for k := 0; k < 8; k++ {
				j := byCat[c][rng.IntN(len(byCat[c]))]
				if j == i {
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

func dot(a, b [styleDim]float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
