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
	svc := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Rules: func() *rules.Compiled { return rs }}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{AnonymousID: "a", N: 5})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Items[0].ItemID != "i237" {
		t.Errorf("first item %s, want the pinned i237", resp.Items[0].ItemID)
	}
}
