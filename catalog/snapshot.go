package catalog

import (
	"slices"
	"strings"

	"github.com/candorhq/candor"
)

// DefaultSensitiveCategories are top-level categories whose items are
// special-category data (GDPR Art. 9): interactions with them go to the
// sensitive feature set, which needs its own explicit consent.
var DefaultSensitiveCategories = []string{"health", "maternity", "adult", "religion", "sexuality", "politics"}

// Snapshot is an immutable view of the catalog for lock-free reads; a new
// one replaces it whole when the catalog changes.
type Snapshot struct {
	items     []Item
	index     map[string]int
	sensitive map[string]bool // category names flagged sensitive
}

// NewSnapshot indexes items; sensitiveCats flags whole categories (any level
// of the path) as sensitive in addition to items' own flags.
func NewSnapshot(items []Item, sensitiveCats []string) *Snapshot {
	s := &Snapshot{items: items, index: make(map[string]int, len(items)), sensitive: map[string]bool{}}
	for _, c := range sensitiveCats {
		s.sensitive[strings.ToLower(c)] = true
	}
	for i := range items {
		s.index[items[i].ID] = i
	}
	return s
}

// Len returns the number of items.
func (s *Snapshot) Len() int { return len(s.items) }

// Items returns the items; callers must not modify them.
func (s *Snapshot) Items() []Item { return s.items }

// Get returns the item with id.
func (s *Snapshot) Get(id string) (*Item, bool) {
	i, ok := s.index[id]
	if !ok {
		return nil, false
	}
	return &s.items[i], true
}

// IsSensitive reports whether it is special-category: flagged itself or in
// a flagged category.
func (s *Snapshot) IsSensitive(it *Item) bool {
	if it.Sensitive {
		return true
	}
	return slices.ContainsFunc(it.Category, func(c string) bool { return s.sensitive[strings.ToLower(c)] })
}

// Lookup tells whether an item exists and whether it is sensitive.
func (s *Snapshot) Lookup(id string) (exists, sensitive bool) {
	it, ok := s.Get(id)
	if !ok {
		return false, false
	}
	return true, s.IsSensitive(it)
}

// MaxBatch is the most items one upsert may carry.
const MaxBatch = 1000

// Validate checks an item from outside.
func (it *Item) Validate() error {
	if err := candor.ValidateID("id", it.ID); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(it.Title) == "" || len(it.Title) > 300:
		return candor.Errorf(candor.EInvalid, "item %s: title must be 1-300 characters", it.ID)
	case len(it.Category) == 0 || len(it.Category) > 5:
		return candor.Errorf(candor.EInvalid, "item %s: category must be a path of 1-5 names, e.g. [\"home\",\"kitchen\"]", it.ID)
	case it.Price < 0 || it.Price > 1e9:
		return candor.Errorf(candor.EInvalid, "item %s: price must be between 0 and 1e9", it.ID)
	case it.Currency != "" && !isCurrency(it.Currency):
		return candor.Errorf(candor.EInvalid, "item %s: currency must be an ISO 4217 code such as EUR", it.ID)
	case it.ImageURL != "" && !validImageURL(it.ImageURL):
		return candor.Errorf(candor.EInvalid, "item %s: image_url must be an http(s) URL or a path on this site such as /images/p1.svg", it.ID)
	case len(it.Attributes) > 50:
		return candor.Errorf(candor.EInvalid, "item %s: at most 50 attributes", it.ID)
	}
	for _, c := range it.Category {
		if c == "" || len(c) > 64 || strings.ContainsAny(c, "/\n") {
			return candor.Errorf(candor.EInvalid, "item %s: category names must be 1-64 characters without '/'", it.ID)
		}
	}
	return nil
}

// validImageURL accepts http(s) URLs and paths on the shop's own site
// ("/images/p1.svg"), not protocol-relative ones ("//host/x").
func validImageURL(u string) bool {
	if strings.ContainsAny(u, " \t\n\"<>\\") || len(u) > 2000 {
		return false
	}
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
