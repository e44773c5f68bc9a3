package rules_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/rules"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // a Wednesday

// shop is a small catalog; the order of items is their score order in
// candidates().
var shop = catalog.NewSnapshot([]catalog.Item{
	{ID: "shoe1", Category: []string{"shoes", "running"}, Brand: "acme", Price: 40, Available: true},
	{ID: "shirt1", Category: []string{"apparel"}, Brand: "acme", Price: 20, Available: true, Attributes: map[string]string{"colour": "red"}},
	{ID: "shoe2", Category: []string{"shoes"}, Brand: "zeta", Price: 90, Available: true},
	{ID: "shirt2", Category: []string{"apparel"}, Brand: "zeta", Price: 30, Available: true, Attributes: map[string]string{"colour": "blue"}},
	{ID: "book1", Category: []string{"books"}, Price: 10, Available: true},
	{ID: "vit1", Category: []string{"health"}, Brand: "acme", Price: 15, Available: true},
}, catalog.DefaultSensitiveCategories)

func item(t testing.TB, id string) *catalog.Item {
	t.Helper()
	it, ok := shop.Get(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it
}

// candidates returns the shop's items scored 6, 5, ... 1, each with one
// part.
func candidates(t testing.TB) []rules.Candidate {
	t.Helper()
	items := shop.Items()
	out := make([]rules.Candidate, len(items))
	for i := range items {
		s := float64(len(items) - i)
		out[i] = rules.Candidate{Item: &items[i], Score: s, Parts: []rules.Part{{Kind: "popular", Value: s}}}
	}
	return out
}

// grant returns a consent.Grant of exactly scopes, made the way the gated
// read makes one.
func grant(scopes ...consent.Scope) consent.Grant {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range scopes {
		recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	return consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1}).Grant()
}

func compile(t testing.TB, rs ...rules.Rule) *rules.Compiled {
	t.Helper()
	c, err := rules.Compile(rules.Ruleset{Name: "test", Version: 1, Rules: rs})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

func ids(cs []rules.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Item.ID
	}
	return out
}

func home() rules.Request {
	return rules.Request{Placement: "home", Now: now, Catalog: shop}
}

// checkParts fails unless every candidate's score is the sum of its parts.
func checkParts(t testing.TB, cs []rules.Candidate) {
	t.Helper()
	for _, c := range cs {
		sum := 0.0
		for _, p := range c.Parts {
			sum += p.Value
		}
		if math.Abs(sum-c.Score) > 1e-9 {
			t.Errorf("%s: score %v, parts sum to %v (%v)", c.Item.ID, c.Score, sum, c.Parts)
		}
	}
}

func tp(t time.Time) *time.Time { return &t }

func equal(a, b []string) bool { return slices.Equal(a, b) }
