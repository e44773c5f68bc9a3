package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// BenchmarkRulesApply applies a ruleset of 50 rules to 500 candidates
// drawn from a 10,000-item catalog, for a customer who granted everything
// but sensitive:
//
//   - typical: a realistic ruleset, its rules spread over the four
//     placements (some for all) and some outside their schedule, with the
//     per-item facts of the ruleset cached (they are computed once per item
//     and version): the steady state of a server;
//   - all-active: the same rules all applying to the request's placement
//     and time, about 450 boosts and buries firing per request;
//   - cold: typical, on the first request after a publish, computing the
//     facts of all 500 candidates;
//   - per-candidate: the worst case, where no condition can be decided per
//     item or per request (each reads the item and the customer through a
//     predicate), so all 50 run in the expression VM for every candidate.
//
// The target is well under 100 µs a request for a realistic ruleset.
func BenchmarkRulesApply(b *testing.B) {
	cat := rulesCatalog(10000)
	cands := rulesCandidates(cat, 500)
	req := rulesRequest(cat)
	b.Run("typical", func(b *testing.B) {
		benchApply(b, compileRules(b, typicalRuleset(50)), req, cands, nil)
	})
	b.Run("all-active", func(b *testing.B) {
		benchApply(b, compileRules(b, activeRuleset(50)), req, cands, nil)
	})
	b.Run("cold", func(b *testing.B) {
		rs := typicalRuleset(50)
		benchApply(b, nil, req, cands, func() *rules.Compiled { return compileRules(b, rs) })
	})
	b.Run("per-candidate", func(b *testing.B) {
		benchApply(b, compileRules(b, worstRuleset(50)), req, cands, nil)
	})
}

// benchApply times Apply over a fresh copy of cands; fresh, when set, makes
// a new Compiled (untimed) before each run.
func benchApply(b *testing.B, c *rules.Compiled, req rules.Request, cands []rules.Candidate, fresh func() *rules.Compiled) {
	work := make([]rules.Candidate, len(cands))
	kept, ops, over := 0, 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if fresh != nil {
			b.StopTimer()
			c = fresh()
			b.StartTimer()
		}
		copy(work, cands)
		res := c.Apply(req, work)
		kept, ops = len(res.Candidates), res.Ops
		if res.OverBudget {
			over++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/apply")
	b.ReportMetric(float64(kept), "kept")
	b.ReportMetric(float64(ops), "rule-ops")
	b.ReportMetric(float64(over)/float64(b.N), "over-budget/op")
}

func compileRules(b *testing.B, rs rules.Ruleset) *rules.Compiled {
	b.Helper()
	c, err := rules.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

var (
	benchCategories = []string{"shoes", "apparel", "books", "garden", "kitchen", "toys", "sports", "beauty", "music", "tools",
		"office", "pets", "baby", "auto", "games", "travel", "food", "home", "outdoor", "electronics"}
	benchColours = []string{"red", "blue", "green", "black", "white"}
)

// rulesCatalog makes n items over 20 categories and 50 brands.
func rulesCatalog(n int) *catalog.Snapshot {
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]catalog.Item, n)
	for i := range items {
		top := benchCategories[rng.IntN(len(benchCategories))]
		items[i] = catalog.Item{ID: fmt.Sprintf("i%d", i), Title: "Item", Category: []string{top, top + "-" + fmt.Sprint(rng.IntN(5))},
			Brand: fmt.Sprintf("brand%d", rng.IntN(50)), Price: float64(5 + rng.IntN(300)), Available: true,
			Attributes: map[string]string{"colour": benchColours[rng.IntN(len(benchColours))], "season": "all"}}
	}
	return catalog.NewSnapshot(items, catalog.DefaultSensitiveCategories)
}

// rulesCandidates takes n items, best first, as recommend passes them: with
// their scores and without parts (it keeps its own and adds the rules').
func rulesCandidates(cat *catalog.Snapshot, n int) []rules.Candidate {
	items := cat.Items()
	out := make([]rules.Candidate, n)
	for i := range out {
		out[i] = rules.Candidate{Item: &items[i*7%len(items)], Score: float64(n-i) / float64(n)}
	}
	return out
}

// rulesRequest is a customer who granted everything but sensitive.
func rulesRequest(cat *catalog.Snapshot) rules.Request {
	now := time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.FeatureSets[:5] {
		recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	var bought []features.Interaction
	for i := range 100 {
		bought = append(bought, features.Interaction{Item: fmt.Sprintf("i%d", i*70), Last: now.Add(-time.Duration(i) * 24 * time.Hour), Count: 1})
	}
	return rules.Request{Placement: "home", Now: now, Category: "shoes", Catalog: cat,
		Grant:     consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1}).Grant(),
		Declared:  &features.Declared{Categories: []string{"shoes", "books"}, Brands: []string{"brand3", "brand7", "brand9"}, PriceBand: "mid"},
		Location:  &features.Location{Country: "DE", Region: "Bavaria"},
		Purchases: bought}
}

// typicalRuleset is what a shop's ruleset looks like after months of
// campaigns: mostly boosts and buries on brands, categories, prices and
// attributes, some filters, a few pins, limits and exclusions, one
// diversity rule, a few rules on the customer's declared taste or
// location; each for some placements (or all), and some past their
// schedule.
func typicalRuleset(n int) rules.Ruleset {
	kinds := "bbbbbbbbbbbbbbbbbbbbbbuuuuuuuufffffffffppplldxxcccc"
	placements := [][]string{{"home"}, {"product"}, nil, {"cart", "email"}, {"home", "product"}, {"email"}}
	ended := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rs := rules.Ruleset{Name: "bench", Version: 1}
	for i := range n {
		r := typicalRule(i, kinds[i%len(kinds)])
		r.Placements = placements[i%len(placements)]
		if i%7 == 6 {
			r.Until = &ended
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs
}

// typicalRule makes rule i of a kind: b boost, u bury, f filter, p pin,
// l limit, d diversity, x exclude_purchased, c on the customer.
func typicalRule(i int, kind byte) rules.Rule {
	boost := rules.Action{Type: rules.ActionBoost, Factor: 1.1 + float64(i%5)/10}
	switch kind {
	case 'b':
		return rule(i, []string{
			fmt.Sprintf(`item.brand == "brand%d"`, i),
			fmt.Sprintf(`item.category == "%s" and item.price < %d`, cat(i), 40+i*3),
			fmt.Sprintf(`item.attributes["colour"] == "%s"`, benchColours[i%5]),
			fmt.Sprintf(`context.hour >= 18 and item.category in ["%s", "%s"]`, cat(i), cat(i+7)),
		}[i%4], boost)
	case 'u':
		return rule(i, fmt.Sprintf(`item.price > %d or item.brand == "brand%d"`, 250+i, i+20), rules.Action{Type: rules.ActionBury, Factor: 0.7})
	case 'f':
		return rule(i, []string{
			fmt.Sprintf(`item.brand in ["brand%d", "brand%d"]`, i+30, i+31),
			`item.attributes["season"] == "summer"`,
			`item.sensitive`,
		}[i%3], rules.Action{Type: rules.ActionFilter})
	case 'p':
		return rule(i, fmt.Sprintf(`item.category == "%s"`, cat(i)), rules.Action{Type: rules.ActionPin, Slot: 1 + i%4})
	case 'l':
		return rule(i, fmt.Sprintf(`item.category == "%s"`, cat(i)), rules.Action{Type: rules.ActionLimit, Max: 4})
	case 'd':
		return rule(i, "", rules.Action{Type: rules.ActionDiversity, Field: "brand", Max: 4})
	case 'x':
		return rule(i, "", rules.Action{Type: rules.ActionExcludePurchased, Lookback: fmt.Sprintf("%dd", 30+i)})
	}
	return rule(i, []string{
		`item.brand in customer.declared.favourite_brands`,
		`item.category in customer.declared.favourite_categories`,
		fmt.Sprintf(`customer.location.country == "DE" and item.brand == "brand%d"`, i),
		`customer.declared.price_band == "mid" and item.price < 60`,
	}[i%4], boost)
}

// activeRuleset has every action type, conditions mostly on the item, some
// on the request or the customer, a few comparing both; all apply to the
// benchmark's request.
func activeRuleset(n int) rules.Ruleset {
	rs := rules.Ruleset{Name: "bench", Version: 1}
	templates := []func(i int) rules.Rule{
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`item.brand == "brand%d"`, i), rules.Action{Type: rules.ActionBoost, Factor: 1.2})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`item.category in ["%s", "%s"] and item.price < %d`, cat(i), cat(i+3), 50+i*5), rules.Action{Type: rules.ActionBury, Factor: 0.8})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`item.attributes["colour"] == "%s" and item.price > %d`, benchColours[i%5], 280+i%20), rules.Action{Type: rules.ActionFilter})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`context.hour >= 18 and item.category == "%s"`, cat(i)), rules.Action{Type: rules.ActionBoost, Add: 0.1})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`customer.location.country == "DE" and item.brand == "brand%d"`, i+1), rules.Action{Type: rules.ActionBoost, Factor: 1.5})
		},
		func(i int) rules.Rule {
			return rule(i, `item.brand in customer.declared.favourite_brands`, rules.Action{Type: rules.ActionBoost, Add: 0.05})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`"%s-1" in item.category_path`, cat(i)), rules.Action{Type: rules.ActionLimit, Max: 5})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`item.price < %d`, 10+i), rules.Action{Type: rules.ActionExcludePurchased, Lookback: "30d"})
		},
		func(i int) rules.Rule {
			return rule(i, fmt.Sprintf(`item.category == "%s"`, cat(i)), rules.Action{Type: rules.ActionPin, Slot: 1 + i%5})
		},
		func(i int) rules.Rule {
			return rule(i, "", rules.Action{Type: rules.ActionDiversity, Field: "brand", Max: 8})
		},
	}
	for i := range n {
		rs.Rules = append(rs.Rules, templates[i%len(templates)](i))
	}
	return rs
}

// worstRuleset has n rules whose conditions read item and customer
// together through a predicate, so nothing can be decided once per item or
// per request, and nothing can be compared natively.
func worstRuleset(n int) rules.Ruleset {
	rs := rules.Ruleset{Name: "bench", Version: 1}
	for i := range n {
		when := fmt.Sprintf(`any(customer.declared.favourite_brands, # == item.brand) and item.price > %d`, 100+i)
		rs.Rules = append(rs.Rules, rule(i, when, rules.Action{Type: rules.ActionBoost, Factor: 1.01}))
	}
	return rs
}

func rule(i int, when string, a rules.Action) rules.Rule {
	return rules.Rule{ID: fmt.Sprintf("r%d", i), When: when, Action: a}
}

func cat(i int) string { return benchCategories[i%len(benchCategories)] }
