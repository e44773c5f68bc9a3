package benchmarks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/rules/rulestest"
)

// realisticRuleset is ten rules of the kinds a shop runs at once, on the
// fields of rulesCatalog: a filter, boosts and a bury on brands,
// categories, prices, attributes, the customer's declared taste and
// location and the time of day, a cart filter, a diversity rule and a
// pin.
func realisticRuleset() rules.Ruleset {
	boost := func(id, when string, f float64) rules.Rule {
		return rules.Rule{ID: id, When: when, Action: rules.Action{Type: rules.ActionBoost, Factor: f}}
	}
	return rules.Ruleset{Name: "bench", Version: 1, Rules: []rules.Rule{
		{ID: "no-unavailable", When: `!item.available`, Action: rules.Action{Type: rules.ActionFilter}},
		boost("brand-week", `item.brand == "brand7" and context.weekday == "friday"`, 1.5),
		boost("favourites", `item.brand in customer.declared.favourite_brands`, 2),
		boost("local-shoes", `customer.location.country == "DE" and item.category == "shoes"`, 1.2),
		{ID: "cheap-evenings", When: `context.hour >= 18 and item.price < 20`, Action: rules.Action{Type: rules.ActionBury, Factor: 0.8}},
		{ID: "cart-dupes", When: `item.id in context.cart`, Action: rules.Action{Type: rules.ActionFilter}},
		boost("red", `item.attributes["colour"] == "red"`, 1.1),
		boost("budget-fit", `customer.declared.price_band == "mid" and item.price >= 30 and item.price <= 120`, 1.2),
		{ID: "diverse", Action: rules.Action{Type: rules.ActionDiversity, Field: "brand", Max: 3}},
		{ID: "pin-books", When: `item.category == "books" and placement == "home"`, Action: rules.Action{Type: rules.ActionPin, Slot: 2}},
	}}
}

// costlyRuleset is the live rule with the largest range a
// condition may hold: it compiles, publishing refuses it for its cost
// estimate, and here it is served anyway, as a version published before
// the limits would be, to show the request budget at work.
func costlyRuleset() rules.Ruleset {
	return rules.Ruleset{Name: "bench", Version: 1, Rules: []rules.Rule{{ID: "costly",
		When: `all(1..1000, {# > 0}) or item.price < context.hour`, Action: rules.Action{Type: rules.ActionBoost, Factor: 2}}}}
}

// BenchmarkRecommendRuleset: the scorer (gated read, scoring, rules) for
// the recommendation world's customers on a 10,000-item catalog of 20
// categories and 50 brands, with no ruleset, with realisticRuleset, and
// with costlyRuleset live. Reports p50/p99, the share of requests whose
// rules ran out of their budget, and the publish-time cost estimate in
// operations per request.
func BenchmarkRecommendRuleset(b *testing.B) {
	w := newRecWorld(b, 10000, 300)
	cat := rulesCatalog(10000)
	if err := w.store.PutItems(context.Background(), cat.Items()); err != nil {
		b.Fatal(err)
	}
	if err := w.catalog.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		rs   *rules.Ruleset
	}{{"none", nil}, {"realistic10", ptr(realisticRuleset())}, {"costly-live", ptr(costlyRuleset())}} {
		b.Run(tt.name, func(b *testing.B) { benchRuleset(b, w, tt.rs) })
	}
}

func benchRuleset(b *testing.B, w *recWorld, rs *rules.Ruleset) {
	ctx := context.Background()
	var c *rules.Compiled
	est := 0
	if rs != nil {
		c = compileRules(b, *rs)
		c.Warm(w.catalog.Load())
		est = estimateOps(b, w.catalog.Load(), *rs)
	}
	svc := recommend.NewService(recommend.Deps{Reader: w.store, Model: func() recommend.Model { return w.model },
		Catalog: w.catalog.Load, Request: w.consent.Request, Feedback: redisstore.ParseFeedback,
		Rules: func() *rules.Compiled { return c }}, recommend.Config{})
	lat := make([]time.Duration, 0, 1<<16)
	over, i := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		t := time.Now()
		resp, err := svc.Recommend(ctx, recommend.Request{CustomerID: w.customers[i%len(w.customers)], N: 10})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		if strings.Contains(strings.Join(resp.Warnings, " "), "budget") {
			over++
		}
		i++
	}
	percentiles(b, lat)
	b.ReportMetric(float64(over)/float64(max(i, 1)), "over-budget/op")
	b.ReportMetric(float64(est), "est-ops")
}

// estimateOps is the cost estimate of rs at validation, over a 500-item
// sample of cat as a server takes it.
func estimateOps(b *testing.B, cat *catalog.Snapshot, rs rules.Ruleset) int {
	items := cat.Items()
	sample := make([]*catalog.Item, 0, 500)
	for i := 0; i < len(items) && len(sample) < 500; i += max(1, len(items)/500) {
		sample = append(sample, &items[i])
	}
	svc := rules.NewService(rulestest.NewMemStore(), rules.Config{Sample: func() []*catalog.Item { return sample }})
	ctx := context.Background()
	if _, err := svc.PutDraft(ctx, "bench", rs, "bench"); err != nil {
		b.Fatal(err)
	}
	c, _, err := svc.CompileDraft(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return c.Estimate().PerRequest
}

func ptr[T any](v T) *T { return &v }
