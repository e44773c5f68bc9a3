package recommend_test

import (
	"context"
	"math"
	"testing"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
	"github.com/candorhq/candor/rules"
)

func TestRulesArePromotedReasonsAndKeepTheSum(t *testing.T) {
	cat, m := recommendtest.World(12, 240)
	rs := rules.Ruleset{Name: "default", Version: 3, Rules: []rules.Rule{
		{ID: "push-toys", When: `item.category == "toys"`, Action: rules.Action{Type: rules.ActionBoost, Add: 5}},
		{ID: "no-books", When: `item.category == "books"`, Action: rules.Action{Type: rules.ActionFilter}},
	}}
	compiled, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), []string{"i001"}, []string{"i002"}, nil)}}
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Rules: func() *rules.Compiled { return compiled }}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if resp.RulesetVersion != 3 || resp.Items[0].Category[0] != "toys" {
		t.Fatalf("version %d, first item category %v", resp.RulesetVersion, resp.Items[0].Category)
	}
	for _, it := range resp.Items {
		var sum float64
		promoted := false
		for _, rs := range it.Reasons {
			sum += rs.Contribution
			promoted = promoted || (rs.Kind == recommend.KindPromoted && rs.RuleID == "push-toys" && rs.Contribution == 5)
		}
		if it.Category[0] == "books" {
			t.Errorf("filtered item %s shown", it.ItemID)
		}
		if it.Category[0] == "toys" && !promoted {
			t.Errorf("boosted %s without a promoted reason: %+v", it.ItemID, it.Reasons)
		}
		if math.Abs(sum-it.Score) > 1e-9 {
			t.Errorf("%s: sum %v score %v", it.ItemID, sum, it.Score)
		}
	}
}

func TestPinnedItemJoinsThePool(t *testing.T) {
	cat, m := recommendtest.World(13, 240)
	rs, err := rules.Compile(rules.Ruleset{Name: "default", Version: 1, Rules: []rules.Rule{
		{ID: "pin", Action: rules.Action{Type: rules.ActionPin, Slot: 1, ItemID: "i237"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{}
	svc := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Rules: func() *rules.Compiled { return rs }, Decisions: store, Store: store}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{AnonymousID: "a", N: 5})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Items[0].ItemID != "i237" {
		t.Fatalf("first item %s, want the pinned i237", resp.Items[0].ItemID)
	}
	// nothing but the pin put it there: the explanation says so, and the
	// customer's why page calls it promoted
	pin := recommend.Reason{Kind: recommend.KindPinned, FeatureSet: "rules", RuleID: "pin", Text: "Placed in this position by the shop"}
	if rs := resp.Items[0].Reasons; len(rs) != 1 || rs[0].Kind != pin.Kind || rs[0].RuleID != pin.RuleID || rs[0].Text != pin.Text ||
		rs[0].FeatureSet != pin.FeatureSet || rs[0].Contribution != 0 || resp.Items[0].Score != 0 {
		t.Errorf("pinned item's reasons %+v (score %v), want only %+v", rs, resp.Items[0].Score, pin)
	}
	why, err := svc.Why(context.Background(), "", resp.DecisionID, "i237")
	if err != nil {
		t.Fatal(err)
	}
	if !why.Promoted || why.Summary != pin.Text {
		t.Errorf("why: promoted %v, summary %q; want promoted, %q", why.Promoted, why.Summary, pin.Text)
	}
}

// A pinned item that the customer's history also reached lists the pin
// first (what decided its position), then its other reasons, largest
// first; the score is still their exact sum.
func TestPinnedReasonComesFirst(t *testing.T) {
	cat, m := recommendtest.World(12, 240)
	rs, err := rules.Compile(rules.Ruleset{Name: "default", Version: 1, Rules: []rules.Rule{
		{ID: "toys-third", When: `item.category == "toys"`, Action: rules.Action{Type: rules.ActionPin, Slot: 3}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), []string{"i001"}, []string{"i002"}, nil)}}
	store := &memStore{}
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Rules: func() *rules.Compiled { return rs }, Decisions: store, Store: store}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	third := resp.Items[2]
	// the why page's summary is the item's own reason, not the shop's
	if why, err := svc.Why(context.Background(), "c", resp.DecisionID, third.ItemID); err != nil || len(third.Reasons) < 2 ||
		why.Summary != third.Reasons[1].Text || !why.Promoted {
		t.Errorf("why of the pinned %s: %+v, %v; want the summary %q, promoted", third.ItemID, why, err, third.Reasons[1].Text)
	}
	if third.Category[0] != "toys" || len(third.Reasons) < 2 || third.Reasons[0].Kind != recommend.KindPinned || third.Reasons[0].RuleID != "toys-third" {
		t.Fatalf("third item %s (%v): reasons %+v; want the pin first, then the scorer's", third.ItemID, third.Category, third.Reasons)
	}
	var sum float64
	for i, rr := range third.Reasons {
		sum += rr.Contribution
		if i > 1 && rr.Contribution > third.Reasons[i-1].Contribution {
			t.Errorf("reasons after the pin not largest first: %+v", third.Reasons)
		}
	}
	if sum != third.Score {
		t.Errorf("score %v, sum of reasons %v", third.Score, sum)
	}
	for i, it := range resp.Items {
		for _, rr := range it.Reasons {
			if rr.Kind == recommend.KindPinned && i != 2 {
				t.Errorf("item %d (%s) has a pinned reason, but only the third was pinned", i+1, it.ItemID)
			}
		}
	}
}
