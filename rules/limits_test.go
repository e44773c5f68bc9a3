package rules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// TestConditionLimits: every limit of one condition is checked when it is
// compiled, with a problem that names the rule, the position and the
// limit.
func TestConditionLimits(t *testing.T) {
	for _, tt := range []struct {
		name, when string
		msg        string // "" when the condition is accepted
		pos        rules.Pos
	}{
		{"the issue's validate", `all(1..999999, {# > 0}) or item.price < 0`, "at most 1000 numbers", rules.Pos{Line: 1, Column: 6}},
		{"the issue's live rule", `all(1..20000, {# > 0}) or item.price < context.hour`, "at most 1000 numbers", rules.Pos{Line: 1, Column: 6}},
		{"a range at the limit", `all(1..1000, {# > 0}) or item.price < 0`, "", rules.Pos{}},
		{"a negative range", `any(-5..5, {# == item.price})`, "", rules.Pos{}},
		{"a computed range", `all(1..item.price, {# > 0})`, "whole numbers written out", rules.Pos{Line: 1, Column: 6}},
		{"repeat", `len(repeat("a", 999999)) > 0 or item.price < 0`, "repeat is not available", rules.Pos{Line: 1, Column: 5}},
		{"replace", `replace(item.brand, "a", "aaaa") == "x"`, "replace is not available", rules.Pos{Line: 1, Column: 1}},
		{"split", `len(split(item.brand, "")) > 2`, "split is not available", rules.Pos{Line: 1, Column: 5}},
		{"toBase64", `toBase64(item.brand) == "x"`, "toBase64 is not available", rules.Pos{Line: 1, Column: 1}},
		{"timezone", `timezone("Europe/Berlin") != nil`, "timezone is not available", rules.Pos{Line: 1, Column: 1}},
		{"reduce", `reduce(1..10, #acc + #, 0) > item.price`, "reduce is not available", rules.Pos{Line: 1, Column: 1}},
		{"let", "item.price > 0 and\n  (let p = item.price; p > 1)", "variables (let)", rules.Pos{Line: 2, Column: 8}},
		{"nested loops", `all(1..1000, {any(1..1000, {# > 0})})`, "a condition may take at most 10000", rules.Pos{Line: 1, Column: 1}},
		{"nested loops over lists", `any(customer.declared.favourite_brands, {any(customer.declared.sizes, {# == item.brand})})`, "lists of unknown length as 100", rules.Pos{Line: 1, Column: 1}},
		{"one loop over a list", `any(customer.declared.favourite_brands, # == item.brand)`, "", rules.Pos{}},
		{"a computed pattern", `item.brand matches context.category`, "pattern of matches", rules.Pos{Line: 1, Column: 12}},
		{"a literal pattern", `item.brand matches "^a"`, "", rules.Pos{}},
		{"too many parts", strings.Repeat("1<2||", 300) + "item.price > 0", "at most 500 parts", rules.Pos{}},
		{"too long", `item.brand == "` + strings.Repeat("x", rules.MaxWhenLen) + `"`, "at most 2000 bytes", rules.Pos{}},
		{"an internal name", `$loop($env, [1], 1) != nil`, "not a name conditions may use", rules.Pos{Line: 1, Column: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps := problems(t, rules.Ruleset{Name: "s", Rules: []rules.Rule{boost("r", tt.when, 2)}})
			if tt.msg == "" {
				if len(ps) != 0 {
					t.Fatalf("refused: %v", ps)
				}
				return
			}
			if len(ps) == 0 {
				t.Fatalf("accepted, want a problem mentioning %q", tt.msg)
			}
			p := ps[0]
			if p.RuleID != "r" || p.Field != "when" || !strings.Contains(p.Message, tt.msg) {
				t.Errorf("problem %+v, want rule r, field when, a message mentioning %q", p, tt.msg)
			}
			if tt.pos != (rules.Pos{}) && p.Pos != tt.pos {
				t.Errorf("position %v, want %v", p.Pos, tt.pos)
			}
		})
	}
}

// TestRulesPerRuleset: a ruleset of more than MaxRules rules is refused.
func TestRulesPerRuleset(t *testing.T) {
	rs := rules.Ruleset{Name: "big"}
	for i := range rules.MaxRules + 1 {
		rs.Rules = append(rs.Rules, filter(strings.Repeat("r", 1+i%50)+string(rune('a'+i/50)), ""))
	}
	ps := problems(t, rs)
	if len(ps) != 1 || ps[0].Field != "rules" || !strings.Contains(ps[0].Message, "at most 200 rules") {
		t.Errorf("problems %v, want one saying at most 200 rules", ps)
	}
}

// TestEvaluationBudget: a loop over a list longer at run time than the
// compile-time assumption fails once it passes MaxEvalCost operations,
// and a value built past MaxEvalMemory fails too; a failed evaluation
// counts as false and as an error, and the request goes on.
func TestEvaluationBudget(t *testing.T) {
	for _, tt := range []struct {
		name, when string
	}{
		{"operations", `count(context.cart, # == "nothing") == 0`},
		{"memory", `len(concat(context.cart, context.cart)) > 0`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := compile(t, filter("f", tt.when))
			small, big := home(), home()
			small.Cart = []string{"a", "b"}
			big.Cart = make([]string, 6000)
			if res := c.Apply(small, candidates(t)); len(res.Candidates) != 0 || res.Errors != 0 {
				t.Errorf("small cart: %v kept, %d errors; want the filter to remove all", ids(res.Candidates), res.Errors)
			}
			res := c.Apply(big, candidates(t))
			if len(res.Candidates) != 6 || res.Errors != 1 || res.OverBudget {
				t.Errorf("big cart: %d kept, %d errors, over budget %v; want all kept, one error, the request within budget", len(res.Candidates), res.Errors, res.OverBudget)
			}
		})
	}
}

// TestRequestBudget: past the request's budget the remaining evaluations
// are refused: a rule decided before it (here, by its request-level
// condition) still applies, the rules whose evaluations were refused are
// reported as cut, and every candidate is still ranked.
func TestRequestBudget(t *testing.T) {
	c := compile(t,
		boost("early", `context.hour == 12`, 2),
		boost("mixed", `item.price < context.hour * 3`, 10),
		filter("late", `item.price > context.hour * 1000`),
	)
	full := c.Apply(home(), candidates(t))
	if full.OverBudget || full.Cut != nil || full.Ops == 0 {
		t.Fatalf("default budget: over %v, cut %v, %d ops; want within it", full.OverBudget, full.Cut, full.Ops)
	}
	before := rules.OverBudgetTotal()
	req := home()
	req.Budget, req.Trace = 60, true
	res := c.Apply(req, candidates(t))
	if !res.OverBudget || !equal(res.Cut, []string{"mixed", "late"}) {
		t.Fatalf("budget 60: over %v, cut %v; want mixed and late cut", res.OverBudget, res.Cut)
	}
	if len(res.Candidates) != 6 {
		t.Errorf("%d candidates, want all six", len(res.Candidates))
	}
	for _, cand := range res.Candidates {
		boosted := slices.ContainsFunc(cand.Parts, func(p rules.Part) bool { return p.RuleID == "early" })
		if !boosted && !shop.IsSensitive(cand.Item) { // boosts never apply to sensitive items
			t.Errorf("%s was not boosted by the rule decided before the budget ran out", cand.Item.ID)
		}
	}
	if res.Ops > req.Budget+rules.MaxEvalCost {
		t.Errorf("%d ops, more than the budget and one evaluation", res.Ops)
	}
	var skipped []string
	for _, e := range res.Trace {
		if e.Effect == rules.EffectSkipped && e.Reason == rules.SkipBudget {
			skipped = append(skipped, e.RuleID)
		}
	}
	if !equal(skipped, res.Cut) {
		t.Errorf("trace skips %v for the budget, want %v", skipped, res.Cut)
	}
	if w := res.Warning(); !strings.Contains(w, "mixed, late") || full.Warning() != "" {
		t.Errorf("warnings %q and %q", w, full.Warning())
	}
	if rules.OverBudgetTotal() <= before {
		t.Error("OverBudgetTotal did not count the request")
	}
	again := c.Apply(req, candidates(t))
	if !equal(again.Cut, res.Cut) || !equal(ids(again.Candidates), ids(res.Candidates)) || again.Ops != res.Ops {
		t.Errorf("a second request cut %v with %d ops: the budget must decide the same way every time", again.Cut, again.Ops)
	}
}

// TestBudgetCutsItemFacts: facts of items computed within a request count
// against its budget, and facts cut short are not cached.
func TestBudgetCutsItemFacts(t *testing.T) {
	c := compile(t, filter("costly", `all(1..1000, {# > 0}) and item.category == "books"`))
	req := home()
	req.Budget = 10
	if res := c.Apply(req, candidates(t)); !res.OverBudget || len(res.Candidates) != 6 {
		t.Fatalf("budget 10: over %v, %d kept; want over and all kept", res.OverBudget, len(res.Candidates))
	}
	res := c.Apply(home(), candidates(t))
	if res.OverBudget || slices.Contains(ids(res.Candidates), "book1") {
		t.Errorf("default budget after a cut: over %v, kept %v; want book1 filtered (facts recomputed, not cached cut)", res.OverBudget, ids(res.Candidates))
	}
}

// TestActionEnvBudget: action conditions share one budget per request.
func TestActionEnvBudget(t *testing.T) {
	cond, ps := rules.CompileActionCondition(`all(1..1000, {# > 0}) and customer.location.country == "DE"`)
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	req := rules.Request{Now: now, Grant: grant(consent.Location), Location: &features.Location{Country: "DE"}, Budget: 20_000}
	env := rules.NewActionEnv(&req)
	held := 0
	for range 10 {
		if env.Holds(cond) {
			held++
		}
	}
	if held == 0 || held == 10 || !env.OverBudget() {
		t.Errorf("%d of 10 evaluations held, over budget %v; want the first few, then refused", held, env.OverBudget())
	}
}

// TestWarmIsBounded: warming the facts of a catalog stops after
// MaxItemCost operations per item of the catalog, and requests compute
// the rest.
func TestWarmIsBounded(t *testing.T) {
	var many []rules.Rule
	for i := range 5 { // about 7,000 operations of facts each per item: 35,000 in all, over MaxItemCost
		many = append(many, filter(fmt.Sprintf("costly%d", i), `any(1..1000, {# < 0}) or item.category == "books"`))
	}
	req := rules.Request{Placement: "home", Now: now, Catalog: shop, Budget: -1}
	cold := compile(t, many...).Apply(req, candidates(t))
	warmed := compile(t, many...)
	warmed.Warm(shop)
	res := warmed.Apply(req, candidates(t))
	if res.Ops == 0 || res.Ops >= cold.Ops {
		t.Errorf("a request after a bounded warm took %d operations, a cold one %d; want some facts warmed, not all", res.Ops, cold.Ops)
	}
	if got := ids(res.Candidates); slices.Contains(got, "book1") || len(got) != 5 {
		t.Errorf("kept %v; want every item but book1", got)
	}
}
