package rules_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/rules/rulestest"
	"github.com/candorhq/candor/versioned"
)

// costly is the live rule with a range within MaxRange: cheap
// enough for one evaluation, far too costly for every candidate.
var costly = boost("costly", `all(1..1000, {# > 0}) or item.price < context.hour`, 2)

// realistic is a ruleset of ten rules of the kinds marketers write.
func realistic() []rules.Rule {
	return []rules.Rule{
		filter("no-unavailable", `!item.available`),
		boost("brand-week", `item.brand == "acme" and context.weekday == "wednesday"`, 1.5),
		boost("favourites", `item.brand in customer.declared.favourite_brands`, 2),
		boost("local", `customer.location.country == "DE" and item.category == "shoes"`, 1.2),
		{ID: "cheap-evenings", When: `context.hour >= 18 and item.price < 20`, Action: rules.Action{Type: rules.ActionBury, Factor: 0.8}},
		filter("cart-dupes", `item.id in context.cart`),
		boost("red", `item.attributes["colour"] == "red"`, 1.1),
		{ID: "diverse", Action: rules.Action{Type: rules.ActionDiversity, Field: "brand", Max: 3}},
		{ID: "pin-hero", When: `item.category == "shoes" and placement == "home"`, Action: rules.Action{Type: rules.ActionPin, Slot: 1}},
		boost("sized", `any(customer.declared.sizes, # == item.attributes["size"])`, 1.3),
	}
}

func sample(t testing.TB) []*catalog.Item {
	var out []*catalog.Item
	for _, id := range []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"} {
		out = append(out, item(t, id))
	}
	return out
}

// TestPublishRefusesCostlyRulesets: a ruleset whose estimate passes the
// request budget is refused at validation, publish and rollback, with a
// problem naming the rule and the limit; a preview compiles it with a
// warning instead, and measures it.
func TestPublishRefusesCostlyRulesets(t *testing.T) {
	st := versionedStore()
	svc := rules.NewService(st, rules.Config{Now: func() time.Time { return now }, Sample: func() []*catalog.Item { return sample(t) }})
	ctx := context.Background()
	if _, err := svc.PutDraft(ctx, "promo", rules.Ruleset{Rules: realistic()}, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Publish(ctx, "promo", "ann"); err != nil {
		t.Fatalf("a realistic ruleset: %v", err)
	}
	if _, err := svc.PutDraft(ctx, "promo", rules.Ruleset{Rules: append(realistic(), costly)}, "ann"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"Validate": second(svc.Validate(ctx, "promo")), "Publish": third(svc.Publish(ctx, "promo", "ann"))} {
		var ps rules.Problems
		if candor.ErrorCode(err) != candor.EInvalid || !errors.As(err, &ps) || len(ps) != 1 {
			t.Fatalf("%s: %v, want invalid with one problem", name, err)
		}
		if p := ps[0]; p.RuleID != "costly" || p.Field != "when" || !strings.Contains(p.Message, "operations per request") || !strings.Contains(p.Message, "100000") {
			t.Errorf("%s: problem %+v, want the costly rule and the budget", name, p)
		}
	}
	draft, ws, err := svc.CompileDraft(ctx, "promo")
	if err != nil || !hasWarning(ws, "costly", "publishing will be refused") {
		t.Fatalf("CompileDraft: %v, warnings %+v", err, ws)
	}
	e := draft.Estimate()
	if e == nil || e.PerRequest <= rules.DefaultBudget || len(e.Rules) != 11 || e.Rules[10].RuleID != "costly" || e.Rules[10].PerRequest < 100*e.Rules[1].PerRequest {
		t.Errorf("estimate %+v: want over the budget, the costly rule far above the others", e)
	}
	req := home()
	draft.Apply(req, candidates(t))
	draft.Apply(req, candidates(t))
	if m := draft.Measured(); m == nil || m.Requests != 2 || len(m.Rules) != 11 || m.Rules[10].PerRequest == 0 || m.Budget != rules.DefaultBudget {
		t.Errorf("measured %+v: want two requests and each rule's cost", m)
	}
	live, _ := svc.Live(ctx, "promo")
	if live.Estimate() != nil || live.Measured() != nil {
		t.Error("the live ruleset carries an estimate or a profile")
	}

	// a costly version published before the limits existed cannot come back
	body, _ := json.Marshal(rules.Ruleset{Name: "promo", Version: 2, Rules: []rules.Rule{costly}})
	if err := st.PublishDoc(ctx, versioned.Ref{Kind: rules.Kind, Name: "promo"}, 2, body, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rollback(ctx, "promo", 1, "ann"); err != nil {
		t.Fatalf("rollback to the realistic version 1: %v", err)
	}
	if _, err := svc.Rollback(ctx, "promo", 2, "ann"); candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("rollback to the costly version 2: %v, want invalid", err)
	}
}

// TestItemCostLimit: the item-only parts of all rules together may cost at
// most MaxItemCost per item.
func TestItemCostLimit(t *testing.T) {
	heavy := func(id string) rules.Rule {
		return filter(id, `all(1..1000, {# > 0}) or item.category == "nothing"`)
	}
	svc := rules.NewService(versionedStore(), rules.Config{Now: func() time.Time { return now }})
	_, _, err := svc.Check(context.Background(), rules.Ruleset{Name: "p", Rules: []rules.Rule{heavy("a"), heavy("b"), heavy("c"), heavy("d")}})
	var ps rules.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Field != "rules" || !strings.Contains(ps[0].Message, "per item") {
		t.Fatalf("four heavy item rules: %v, want one problem about the cost per item", err)
	}
	if _, _, err := svc.Check(context.Background(), rules.Ruleset{Name: "p", Rules: []rules.Rule{heavy("a")}}); err != nil {
		t.Errorf("one heavy item rule: %v", err)
	}
}

// TestEstimateIsDeterministic: the same ruleset and sample give the same
// estimate, without a sample too.
func TestEstimateIsDeterministic(t *testing.T) {
	for _, smp := range [][]*catalog.Item{nil, sample(t)} {
		svc := rules.NewService(versionedStore(), rules.Config{Now: func() time.Time { return now }, Sample: func() []*catalog.Item { return smp }})
		rs := rules.Ruleset{Name: "p", Rules: realistic()}
		a, _, err := svc.Check(context.Background(), rs)
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := svc.Check(context.Background(), rs)
		ja, _ := json.Marshal(a.Estimate())
		jb, _ := json.Marshal(b.Estimate())
		if string(ja) != string(jb) || a.Estimate().PerRequest == 0 || a.Estimate().PerRequest > rules.DefaultBudget {
			t.Errorf("estimates %s and %s: want equal, above 0 and within the budget", ja, jb)
		}
	}
}

func hasWarning(ws []rules.Warning, rule, msg string) bool {
	for _, w := range ws {
		if w.RuleID == rule && strings.Contains(w.Message, msg) {
			return true
		}
	}
	return false
}

func second[A, B any](_ A, b B) B        { return b }
func third[A, B, C any](_ A, _ B, c C) C { return c }

func versionedStore() *rulestest.MemStore { return rulestest.NewMemStore() }
