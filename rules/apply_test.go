package rules_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

func boost(id, when string, factor float64) rules.Rule {
	return rules.Rule{ID: id, When: when, Action: rules.Action{Type: rules.ActionBoost, Factor: factor}}
}

func filter(id, when string) rules.Rule {
	return rules.Rule{ID: id, When: when, Action: rules.Action{Type: rules.ActionFilter}}
}

// TestActions holds each action to its meaning. Candidates start as
// shoe1 6, shirt1 5, shoe2 4, shirt2 3, book1 2, vit1 1.
func TestActions(t *testing.T) {
	tests := []struct {
		name  string
		rules []rules.Rule
		want  []string
	}{
		{"no rules keeps score order", nil, []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"filter removes matches", []rules.Rule{filter("f", `item.category == "shoes"`)},
			[]string{"shirt1", "shirt2", "book1", "vit1"}},
		{"filter on attributes", []rules.Rule{filter("f", `item.attributes["colour"] == "red"`)},
			[]string{"shoe1", "shoe2", "shirt2", "book1", "vit1"}},
		{"filter may use item.sensitive", []rules.Rule{filter("f", `item.sensitive`)},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1"}},
		{"boost multiplies", []rules.Rule{boost("b", `item.id == "book1"`, 4)}, // 2 -> 8
			[]string{"book1", "shoe1", "shirt1", "shoe2", "shirt2", "vit1"}},
		{"boost adds", []rules.Rule{{ID: "b", When: `item.price > 80`, Action: rules.Action{Type: rules.ActionBoost, Add: 1.5}}}, // 4 -> 5.5
			[]string{"shoe1", "shoe2", "shirt1", "shirt2", "book1", "vit1"}},
		{"boost never promotes a sensitive item", []rules.Rule{boost("b", `item.brand == "acme"`, 10)},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"bury multiplies", []rules.Rule{{ID: "b", When: `item.brand == "acme"`, Action: rules.Action{Type: rules.ActionBury, Factor: 0.1}}},
			[]string{"shoe2", "shirt2", "book1", "shoe1", "shirt1", "vit1"}},
		{"bury adds", []rules.Rule{{ID: "b", When: `item.id == "shoe1"`, Action: rules.Action{Type: rules.ActionBury, Add: -5.5}}},
			[]string{"shirt1", "shoe2", "shirt2", "book1", "vit1", "shoe1"}},
		{"limit keeps the best matches", []rules.Rule{{ID: "l", When: `item.brand == "acme"`, Action: rules.Action{Type: rules.ActionLimit, Max: 1}}},
			[]string{"shoe1", "shoe2", "shirt2", "book1"}},
		{"limit applies after boosts", []rules.Rule{
			boost("b", `item.id == "shirt1"`, 2),
			{ID: "l", When: `item.brand == "acme"`, Action: rules.Action{Type: rules.ActionLimit, Max: 1}}},
			[]string{"shirt1", "shoe2", "shirt2", "book1"}},
		{"diversity by category backfills", []rules.Rule{{ID: "d", Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 1}}},
			[]string{"shoe1", "shirt1", "book1", "vit1", "shoe2", "shirt2"}},
		{"diversity by brand skips items without one", []rules.Rule{{ID: "d", Action: rules.Action{Type: rules.ActionDiversity, Field: "brand", Max: 1}}},
			[]string{"shoe1", "shoe2", "book1", "shirt1", "shirt2", "vit1"}},
		{"diversity only among matches", []rules.Rule{{ID: "d", When: `item.category == "shoes"`, Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 1}}},
			[]string{"shoe1", "shirt1", "shirt2", "book1", "vit1", "shoe2"}},
		{"diversity after a limit", []rules.Rule{
			{ID: "l", When: `item.brand == "acme"`, Action: rules.Action{Type: rules.ActionLimit, Max: 1}},
			{ID: "d", Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 1}}},
			[]string{"shoe1", "shirt2", "book1", "shoe2"}},
		{"pin an item", []rules.Rule{{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "book1", Slot: 1}}},
			[]string{"book1", "shoe1", "shirt1", "shoe2", "shirt2", "vit1"}},
		{"pin the best match", []rules.Rule{{ID: "p", When: `item.category == "apparel"`, Action: rules.Action{Type: rules.ActionPin, Slot: 4}}},
			[]string{"shoe1", "shoe2", "shirt2", "shirt1", "book1", "vit1"}},
		{"pin past the end goes last", []rules.Rule{{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "shoe1", Slot: 50}}},
			[]string{"shirt1", "shoe2", "shirt2", "book1", "vit1", "shoe1"}},
		{"two pins on one slot", []rules.Rule{
			{ID: "p1", Action: rules.Action{Type: rules.ActionPin, ItemID: "book1", Slot: 2}},
			{ID: "p2", Action: rules.Action{Type: rules.ActionPin, ItemID: "shirt2", Slot: 2}}},
			[]string{"shoe1", "book1", "shirt2", "shirt1", "shoe2", "vit1"}},
		{"pin of a missing item does nothing", []rules.Rule{{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "nope", Slot: 1}}},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"pin whose condition fails does nothing", []rules.Rule{{ID: "p", When: `item.price > 1000`, Action: rules.Action{Type: rules.ActionPin, ItemID: "book1", Slot: 1}}},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"pin never moves a sensitive item", []rules.Rule{{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "vit1", Slot: 1}}},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"filtered items cannot be pinned", []rules.Rule{
			filter("f", `item.id == "book1"`),
			{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "book1", Slot: 1}}},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "vit1"}},
		{"context condition", []rules.Rule{filter("f", `context.category == "books" && item.category != "books"`)},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"placement condition", []rules.Rule{filter("f", `placement == "home" and item.price < 25`)},
			[]string{"shoe1", "shoe2", "shirt2"}},
		{"time of day", []rules.Rule{filter("f", `context.hour == 12 and context.weekday == "wednesday" and item.category == "books"`)},
			[]string{"shoe1", "shirt1", "shoe2", "shirt2", "vit1"}},
		{"run-time error counts as false", []rules.Rule{filter("f", `item.category_path[1] == "running"`)},
			[]string{"shirt1", "shoe2", "shirt2", "book1", "vit1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compile(t, tt.rules...)
			res := c.Apply(home(), candidates(t))
			if got := ids(res.Candidates); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			checkParts(t, res.Candidates)
		})
	}
}

// TestPlacements: a rule for other placements does not apply.
func TestPlacements(t *testing.T) {
	r := filter("f", `item.category == "shoes"`)
	r.Placements = []string{"product", "cart"}
	c := compile(t, r)
	for _, tt := range []struct {
		placement string
		want      int
	}{{"home", 6}, {"product", 4}, {"cart", 4}, {"email", 6}} {
		req := home()
		req.Placement = tt.placement
		if got := len(c.Apply(req, candidates(t)).Candidates); got != tt.want {
			t.Errorf("placement %s: %d candidates, want %d", tt.placement, got, tt.want)
		}
	}
}

// TestSchedule: a rule applies from From (inclusive) until Until
// (exclusive), at the request's time.
func TestSchedule(t *testing.T) {
	from, until := now, now.Add(24*time.Hour)
	r := filter("f", `item.category == "shoes"`)
	r.From, r.Until = &from, &until
	c := compile(t, r)
	for _, tt := range []struct {
		at      time.Time
		applies bool
	}{
		{from.Add(-time.Nanosecond), false},
		{from, true},
		{from.Add(time.Hour), true},
		{until.Add(-time.Nanosecond), true},
		{until, false},
		{until.Add(time.Hour), false},
	} {
		req := home()
		req.Now = tt.at
		res := c.Apply(req, candidates(t))
		if got := len(res.Candidates) == 4; got != tt.applies {
			t.Errorf("at %s: applied %v, want %v", tt.at.Format(time.RFC3339Nano), got, tt.applies)
		}
	}
}

// TestConsentGuardRail: a rule that reads a feature set never fires for a
// request whose grant lacks it, even when the data is passed.
func TestConsentGuardRail(t *testing.T) {
	c := compile(t,
		filter("loc", `customer.location.country == "DE" and item.category == "shoes"`),
		boost("fav", `item.brand in customer.declared.favourite_brands`, 10),
		filter("age", `customer.demographics.age_band != "18-24" and item.category == "books"`),
	)
	loc := &features.Location{Country: "DE"}
	dec := &features.Declared{Brands: []string{"zeta"}}
	demo := &features.Demographics{AgeBand: "45-54"}
	for _, tt := range []struct {
		name  string
		grant consent.Grant
		want  []string
	}{
		{"nothing granted", grant(), []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"everything but location", grant(consent.Declared, consent.Demographics, consent.Browsing, consent.Purchases), []string{"shoe2", "shirt2", "shoe1", "shirt1", "vit1"}},
		{"location only", grant(consent.Location), []string{"shirt1", "shirt2", "book1", "vit1"}},
		{"all", grant(consent.Location, consent.Declared, consent.Demographics), []string{"shirt2", "shirt1", "vit1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := home()
			req.Grant, req.Location, req.Declared, req.Demographics = tt.grant, loc, dec, demo
			req.Trace = true
			res := c.Apply(req, candidates(t))
			if got := ids(res.Candidates); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if !tt.grant.Has(consent.Location) {
				for _, e := range res.Trace {
					if e.RuleID == "loc" && e.Effect != rules.EffectSkipped {
						t.Errorf("location rule fired without the location grant: %+v", e)
					}
				}
			}
		})
	}
}

// TestExcludePurchased removes what was bought within the lookback, and
// only with the purchases grant.
func TestExcludePurchased(t *testing.T) {
	bought := []features.Interaction{{Item: "shoe1", Last: now.Add(-10 * 24 * time.Hour)}, {Item: "shirt1", Last: now.Add(-40 * 24 * time.Hour)}}
	for _, tt := range []struct {
		lookback string
		grant    consent.Grant
		when     string
		want     []string
	}{
		{"30d", grant(consent.Purchases), "", []string{"shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"1000h", grant(consent.Purchases), "", []string{"shoe2", "shirt2", "book1", "vit1"}},
		{"", grant(consent.Purchases), "", []string{"shoe2", "shirt2", "book1", "vit1"}},
		{"", grant(consent.Purchases), `item.category != "shoes"`, []string{"shoe1", "shoe2", "shirt2", "book1", "vit1"}},
		{"30d", grant(consent.Browsing), "", []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tt.lookback, tt.grant, tt.when), func(t *testing.T) {
			c := compile(t, rules.Rule{ID: "x", When: tt.when, Action: rules.Action{Type: rules.ActionExcludePurchased, Lookback: tt.lookback}})
			req := home()
			req.Grant, req.Purchases = tt.grant, bought
			if got := ids(c.Apply(req, candidates(t)).Candidates); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPurchaseFacts: customer.purchases.days_since_last and count read the
// purchases held (recent ones with times, older ones counted), in whole
// days to the request; without the purchases grant a rule reading them
// never fires, and a customer with no purchase held is never "lapsed".
func TestPurchaseFacts(t *testing.T) {
	c := compile(t,
		filter("lapsed", `customer.purchases.days_since_last >= 60 and item.category == "books"`),
		filter("loyal", `customer.purchases.count >= 3 and item.category == "health"`),
	)
	bought := []features.Interaction{{Item: "shoe1", Last: now.Add(-61 * 24 * time.Hour)}, {Item: "shirt1", Last: now.Add(-70 * 24 * time.Hour)}}
	for _, tt := range []struct {
		name   string
		grant  consent.Grant
		bought []features.Interaction
		older  int
		want   []string
	}{
		{"lapsed 61 days, 2 items", grant(consent.Purchases), bought, 0, []string{"shoe1", "shirt1", "shoe2", "shirt2", "vit1"}},
		{"lapsed, 2 recent and 1 older", grant(consent.Purchases), bought, 1, []string{"shoe1", "shirt1", "shoe2", "shirt2"}},
		{"bought 59 days ago", grant(consent.Purchases), append([]features.Interaction{{Item: "x", Last: now.Add(-59*24*time.Hour - time.Minute)}}, bought...), 0, []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1"}},
		{"never bought", grant(consent.Purchases), nil, 0, []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
		{"not granted", grant(consent.Browsing), bought, 5, []string{"shoe1", "shirt1", "shoe2", "shirt2", "book1", "vit1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := home()
			req.Grant, req.Purchases, req.PurchasedOlder = tt.grant, tt.bought, tt.older
			if got := ids(c.Apply(req, candidates(t)).Candidates); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPartsDiscloseEveryChange: each boost and bury adds a part with the
// exact change, in rule order, and never writes into the caller's parts.
func TestPartsDiscloseEveryChange(t *testing.T) {
	c := compile(t,
		boost("b1", `item.id == "shoe2"`, 2),
		rules.Rule{ID: "b2", When: `item.id == "shoe2"`, Action: rules.Action{Type: rules.ActionBoost, Add: 0.5}},
		rules.Rule{ID: "b3", When: `item.id == "shoe2"`, Action: rules.Action{Type: rules.ActionBury, Factor: 0.5}},
	)
	cands := candidates(t)
	orig := slices.Clone(cands[2].Parts)
	res := c.Apply(home(), slices.Clone(cands))
	checkParts(t, res.Candidates)
	var got []rules.Part
	for _, cd := range res.Candidates {
		if cd.Item.ID == "shoe2" {
			got = cd.Parts
		}
	}
	want := []rules.Part{{Kind: "popular", Value: 4}, {Kind: rules.PartPromoted, RuleID: "b1", Value: 4},
		{Kind: rules.PartPromoted, RuleID: "b2", Value: 0.5}, {Kind: rules.PartDemoted, RuleID: "b3", Value: -4.25}}
	if !slices.Equal(got, want) {
		t.Errorf("parts %v, want %v", got, want)
	}
	if !slices.Equal(cands[2].Parts, orig) {
		t.Errorf("caller's parts changed to %v", cands[2].Parts)
	}
}

// TestTrace lists what fired on what, and what was skipped.
func TestTrace(t *testing.T) {
	r := filter("later", `item.id == "shoe1"`)
	r.From = tp(now.Add(time.Hour))
	c := compile(t,
		filter("f", `item.id == "book1"`),
		boost("b", `item.id == "shirt2"`, 2),
		rules.Rule{ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "shoe2", Slot: 1}},
		r,
	)
	req := home()
	req.Trace = true
	res := c.Apply(req, candidates(t))
	want := []rules.Event{
		{RuleID: "later", Effect: rules.EffectSkipped, Reason: rules.SkipSchedule},
		{RuleID: "b", ItemID: "shirt2", Effect: rules.EffectPromoted, Value: 3},
		{RuleID: "f", ItemID: "book1", Effect: rules.EffectRemoved, Reason: rules.ActionFilter},
		{RuleID: "p", ItemID: "shoe2", Effect: rules.EffectPinned, Value: 1},
	}
	if !slices.Equal(res.Trace, want) {
		t.Errorf("trace\n got %+v\nwant %+v", res.Trace, want)
	}
	req.Trace = false
	if res := c.Apply(req, candidates(t)); res.Trace != nil {
		t.Errorf("trace without asking: %+v", res.Trace)
	}
}

// TestMixedConditions: conditions over the item and the customer at once.
func TestMixedConditions(t *testing.T) {
	c := compile(t, boost("fav", `item.brand in customer.declared.favourite_brands and item.price < 50`, 10))
	req := home()
	req.Grant, req.Declared = grant(consent.Declared), &features.Declared{Brands: []string{"zeta"}}
	got := ids(c.Apply(req, candidates(t)).Candidates)
	if want := []string{"shirt2", "shoe1", "shirt1", "shoe2", "book1", "vit1"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestConcurrentApply shares one Compiled between goroutines (run with
// -race).
func TestConcurrentApply(t *testing.T) {
	c := compile(t, boost("b", `item.category == "shoes"`, 2), filter("f", `item.price < 12`))
	done := make(chan []string)
	for range 8 {
		go func() {
			var got []string
			for range 50 {
				got = ids(c.Apply(home(), candidates(t)).Candidates)
			}
			done <- got
		}()
	}
	for range 8 {
		if got, want := <-done, []string{"shoe1", "shoe2", "shirt1", "shirt2", "vit1"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

// TestComparisons: conditions that compare the item with the request,
// which run natively per candidate, mean what the expression says.
func TestComparisons(t *testing.T) {
	req := home()
	req.Category, req.ItemID, req.Cart = "shoes", "shoe1", []string{"book1", "shirt2"}
	req.Grant = grant(consent.Declared)
	req.Declared = &features.Declared{Brands: []string{"zeta"}, Categories: []string{"apparel", "books"}}
	for _, tt := range []struct {
		when string
		want []string // removed
	}{
		{`item.brand in customer.declared.favourite_brands`, []string{"shoe2", "shirt2"}},
		{`item.brand not in customer.declared.favourite_brands`, []string{"shoe1", "shirt1", "book1", "vit1"}},
		{`!(item.category in customer.declared.favourite_categories)`, []string{"shoe1", "shoe2", "vit1"}},
		{`item.category == context.category`, []string{"shoe1", "shoe2"}},
		{`context.category != item.category`, []string{"shirt1", "shirt2", "book1", "vit1"}},
		{`item.id in context.cart`, []string{"shirt2", "book1"}},
		{`context.item_id == item.id`, []string{"shoe1"}},
		{`context.category in item.category_path`, []string{"shoe1", "shoe2"}},
		{`item.price > len(context.cart) * 20`, []string{"shoe2"}},
		{`item.category_path[1] == context.category`, nil},
		{`item.brand in customer.declared.favourite_brands and item.price < 50 and context.hour == 12`, []string{"shirt2"}},
	} {
		c := compile(t, filter("f", tt.when))
		var removed []string
		r := req
		r.Trace = true
		for _, e := range c.Apply(r, candidates(t)).Trace {
			if e.Effect == rules.EffectRemoved {
				removed = append(removed, e.ItemID)
			}
		}
		if !slices.Equal(removed, tt.want) {
			t.Errorf("%s removed %v, want %v", tt.when, removed, tt.want)
		}
	}
}

// TestDeferredFrom: the result says where the items a diversity moved to
// the end begin, so a caller can widen what it offers; a deferred item a
// pin places does not count.
func TestDeferredFrom(t *testing.T) {
	div := rules.Rule{ID: "d", Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 1}}
	for _, tt := range []struct {
		name  string
		rules []rules.Rule
		want  int
	}{
		{"no rules", nil, 6},
		{"a boost", []rules.Rule{boost("b", `item.id == "book1"`, 4)}, 6},
		{"a diversity", []rules.Rule{div}, 4}, // shoe1 shirt1 book1 vit1 | shoe2 shirt2
		{"a diversity and a pin of a deferred item", []rules.Rule{div, {ID: "p", Action: rules.Action{Type: rules.ActionPin, ItemID: "shoe2", Slot: 1}}}, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := compile(t, tt.rules...).Apply(home(), candidates(t))
			if res.DeferredFrom != tt.want {
				t.Errorf("DeferredFrom = %d in %v, want %d", res.DeferredFrom, ids(res.Candidates), tt.want)
			}
		})
	}
}
