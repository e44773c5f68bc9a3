package movielens

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/features"
)

// Uncategorized is the category of a movie the item file gives no genre
// (or that has no item file entry).
const Uncategorized = "uncategorized"

// maxCategories is how many genres an item keeps (catalog.Item allows 5).
const maxCategories = 5

// CatalogItems returns every rated movie as a catalog item, in order of
// first rating: its title, and its genres (lower case, at most five, in the
// item file's order) as categories, the first being its top category.
func (ds *Dataset) CatalogItems() []catalog.Item {
	seen := map[string]bool{}
	var items []catalog.Item
	for _, r := range ds.Ratings {
		if seen[r.Item] {
			continue
		}
		seen[r.Item] = true
		info := ds.Items[r.Item]
		title := info.Title
		if title == "" {
			title = "Movie " + strings.TrimPrefix(r.Item, ItemPrefix)
		}
		items = append(items, catalog.Item{ID: r.Item, Title: clip(title, 300), Category: Categories(info.Genres), Available: true})
	}
	return items
}

// Categories turns genres into category names: lower case, '/' replaced,
// at most five; Uncategorized when there are none.
func Categories(genres []string) []string {
	var out []string
	for _, g := range genres {
		c := clip(strings.ToLower(strings.NewReplacer("/", "-", ",", " ").Replace(strings.TrimSpace(g))), 64)
		if c != "" && !slices.Contains(out, c) && len(out) < maxCategories {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return []string{Uncategorized}
	}
	return out
}

// clip cuts s to at most n bytes, on a character boundary, so a long
// title or genre in another script stays valid text.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Events returns the ratings as rating events of customers, in file order
// (the order `candor import` sends them in). Values are clamped to the
// event's range, 0.5-5.
func (ds *Dataset) Events() []features.Event {
	out := make([]features.Event, len(ds.Ratings))
	for i, r := range ds.Ratings {
		out[i] = features.Event{CustomerID: r.User, Type: features.Rating, ItemID: r.Item, Time: r.Time,
			Value: min(max(r.Value, features.MinRating), features.MaxRating)}
	}
	return out
}

// Customers returns the customers who rated, sorted.
func (ds *Dataset) Customers() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range ds.Ratings {
		if !seen[r.User] {
			seen[r.User] = true
			out = append(out, r.User)
		}
	}
	slices.Sort(out)
	return out
}

// DeclaredGenres returns for every customer the n categories they rated
// most often (ties by name), as the preferences a customer would declare.
// It stands in for a preference centre in experiments on MovieLens, which
// has none; n <= 0 returns nil.
func (ds *Dataset) DeclaredGenres(n int) map[string][]string {
	if n <= 0 {
		return nil
	}
	counts := map[string]map[string]int{}
	for _, r := range ds.Ratings {
		if counts[r.User] == nil {
			counts[r.User] = map[string]int{}
		}
		for _, c := range Categories(ds.Items[r.Item].Genres) {
			counts[r.User][c]++
		}
	}
	out := make(map[string][]string, len(counts))
	for u, byCat := range counts {
		cats := make([]string, 0, len(byCat))
		for c := range byCat {
			cats = append(cats, c)
		}
		slices.SortFunc(cats, func(a, b string) int {
			if c := cmp.Compare(byCat[b], byCat[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		out[u] = cats[:min(n, len(cats))]
	}
	return out
}

// Split holds out a share of every customer's ratings, as a shop's future
// behaviour would be: per customer, their ratings in file order are
// shuffled with a PCG seeded with seed, and the first
// round-half-even((1−ratio)·n) go to train, the rest to test (a customer
// with one rating keeps it in train). The parts share the item file.
func (ds *Dataset) Split(ratio float64, seed uint64) (train, test *Dataset, err error) {
	if !(ratio > 0 && ratio < 1) {
		return nil, nil, candor.Errorf(candor.EInvalid, "test ratio %g must be between 0 and 1", ratio)
	}
	byUser := map[string][]Rating{}
	var users []string
	for _, r := range ds.Ratings {
		if _, ok := byUser[r.User]; !ok {
			users = append(users, r.User)
		}
		byUser[r.User] = append(byUser[r.User], r)
	}
	slices.Sort(users)
	rng := rand.New(rand.NewPCG(seed, 0x63616e646f72)) // "candor"
	train, test = &Dataset{Format: ds.Format, Items: ds.Items}, &Dataset{Format: ds.Format, Items: ds.Items}
	for _, u := range users {
		rs := byUser[u]
		rng.Shuffle(len(rs), func(a, b int) { rs[a], rs[b] = rs[b], rs[a] })
		keep := int(math.RoundToEven((1 - ratio) * float64(len(rs))))
		train.Ratings, test.Ratings = append(train.Ratings, rs[:keep]...), append(test.Ratings, rs[keep:]...)
	}
	return train, test, nil
}
