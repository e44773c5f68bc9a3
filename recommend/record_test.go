package recommend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
	"github.com/candorhq/candor/rules"
)

// recordWorld is a scorer whose decisions go to an in-memory store, with
// customers of every consent level and a ruleset that promotes, demotes
// and filters.
func recordWorld(t testing.TB, reader *fakeReader) (*recommend.Service, *memStore, *catalog.Snapshot) {
	t.Helper()
	cat, m := recommendtest.World(3, 120) // fewer items than 100 are eligible: short lists
	rs, err := rules.Compile(rules.Ruleset{Name: "default", Version: 7, Rules: []rules.Rule{
		{ID: "push-toys", When: `item.category == "toys"`, Action: rules.Action{Type: rules.ActionBoost, Add: 0.25}},
		{ID: "less-garden", When: `item.category == "garden"`, Action: rules.Action{Type: rules.ActionBury, Factor: 0.5}},
		{ID: "no-music", When: `item.category == "music"`, Action: rules.Action{Type: rules.ActionFilter}},
		{ID: "garden-second", When: `item.category == "garden"`, Action: rules.Action{Type: rules.ActionPin, Slot: 2}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if reader.states == nil {
		reader.states = map[string]*features.State{
			"full":  stateWith("full", full(), []string{"i001", "i007", "i013", "i019"}, []string{"i020", "i021", "i026", "i032"}, []string{"books"}),
			"basic": stateWith("basic", []consent.Scope{consent.Declared}, nil, nil, []string{"kitchen"}),
			"views": stateWith("views", []consent.Scope{consent.Browsing}, nil, []string{"i044", "i050", "i056"}, nil),
		}
	}
	store := &memStore{}
	svc := recommend.NewService(recommend.Deps{Reader: reader, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Decisions: store, Store: store, Rules: func() *rules.Compiled { return rs }}, recommend.Config{})
	return svc, store, cat
}

// recordRequests are requests of every kind: customers of each consent
// level and anonymous, context and cart (known and unknown: warnings), a
// category (short lists), every placement.
func recordRequests() []recommend.Request {
	var out []recommend.Request
	for _, who := range []string{"full", "basic", "views", "none", ""} {
		for _, r := range []recommend.Request{
			{N: 10},
			{N: 10, Placement: "product", ItemID: "i100"},
			{N: 5, Placement: "cart", Cart: []string{"i100", "i101", "nope", "i100"}, ItemID: "gone"},
			{N: 30, Category: "books"},
			{N: 100, Placement: "email"},
		} {
			r.CustomerID = who
			if who == "" {
				r.AnonymousID = "a1"
			}
			out = append(out, r)
		}
	}
	return out
}

// A stored decision, read back, is exactly the answer that was shown,
// byte for byte, for every kind of answer.
func TestRecordShowsExactlyWhatWasShown(t *testing.T) {
	for _, fail := range []bool{false, true} {
		reader := &fakeReader{}
		if fail {
			reader.err = errors.New("redis down") // the fallback answer
		}
		svc, _, _ := recordWorld(t, reader)
		kinds := map[string]bool{}
		for _, req := range recordRequests() {
			resp, err := svc.Recommend(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			shown, _ := resp.JSON()
			got, err := svc.Decision(context.Background(), req.CustomerID, resp.DecisionID)
			if err != nil {
				t.Fatalf("%+v: %v", req, err)
			}
			b, _ := json.Marshal(got)
			if !bytes.Equal(b, shown) {
				t.Errorf("%+v: stored decision differs from the one shown:\n%s\n%s", req, b, shown)
			}
			for _, it := range resp.Items {
				for _, r := range it.Reasons {
					kinds[r.Kind] = true
				}
			}
			kinds["short"] = kinds["short"] || resp.Short != nil
			kinds["warnings"] = kinds["warnings"] || len(resp.Warnings) > 0
			kinds["fallback"] = kinds["fallback"] || resp.Fallback.Active
		}
		want := []string{"short", "warnings", recommend.KindPopular, recommend.KindPromoted, recommend.KindDemoted, recommend.KindPinned}
		if fail {
			want = append(want, "fallback")
		} else {
			want = append(want, recommend.KindBoughtTogether, recommend.KindViewedRecently, recommend.KindSimilarToCurrent, recommend.KindGoesWithCart,
				recommend.KindDeclaredPreference)
		}
		for _, k := range want {
			if !kinds[k] {
				t.Errorf("fallback %v: no answer had %s, so its record was not tested", fail, k)
			}
		}
	}
}

// A stored decision holds no personal evidence outside its sets'
// sections, and none of the catalog's text; with every section it is the
// decision as shown. Without a set's section (withdrawn or erased since)
// its reasons say so and name nothing, and every score is still the
// exact sum of its reasons.
func TestSplitEvidenceKeepsPersonalEvidenceApart(t *testing.T) {
	cat, m := recommendtest.World(3, 240)
	bought, viewed := []string{"i001", "i007", "i013"}, []string{"i020", "i021"}
	r := &fakeReader{states: map[string]*features.State{"s1": stateWith("s1", full(), bought, viewed, []string{"books"})}}
	store := &memStore{}
	w := recommend.NewWriter(store, recommend.Retention{}, 10)
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Decisions: w, Store: store}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "s1", N: 20, ItemID: "i100"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx) // writes what is queued
	shown, _ := resp.JSON()
	if len(store.recs) != 1 {
		t.Fatalf("%d records written", len(store.recs))
	}
	rec := store.recs[0]
	body, _ := recommend.StripEvidence(rec.Record, consent.FeatureSets...)
	if !strings.Contains(string(shown), "Because you bought") || !strings.Contains(string(shown), "Because you viewed") {
		t.Fatalf("the test decision used no purchases or views: %s", shown)
	}
	for _, leak := range append(append([]string{"Because", "Item ", "books"}, bought...), viewed...) {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("the stored record without its sections holds %q", leak)
		}
	}
	if strings.Contains(string(shown), "evidence_ref") {
		t.Errorf("the answer shown was changed by recording it: %s", shown)
	}
	tests := []struct {
		name    string
		strip   []consent.Scope
		deleted string // the set whose reasons must say their evidence was deleted
	}{
		{"all held", nil, ""},
		{"purchases withdrawn", []consent.Scope{consent.Purchases}, string(consent.Purchases)},
		{"erased", consent.FeatureSets, "any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, err := recommend.StripEvidence(rec.Record, tt.strip...)
			if err != nil {
				t.Fatal(err)
			}
			store.recs[0].Record = stored
			got, err := svc.Decision(context.Background(), "s1", resp.DecisionID)
			if err != nil {
				t.Fatal(err)
			}
			var want recommend.Response
			_ = json.Unmarshal(shown, &want)
			if tt.deleted == "" {
				b, _ := json.Marshal(got)
				if !bytes.Equal(b, shown) {
					t.Errorf("joined decision differs from the one shown:\n%s\n%s", b, shown)
				}
				return
			}
			b, _ := json.Marshal(got)
			var back recommend.Response
			_ = json.Unmarshal(b, &back)
			checkDeleted(t, back, tt.deleted)
			for _, leak := range bought {
				if bytes.Contains(b, []byte(`"`+leak+`"`)) && tt.deleted == "any" {
					t.Errorf("erased decision still names %s: %s", leak, b)
				}
			}
		})
	}
}

// A decision of another kind (next-best actions) is stored as JSON with
// its personal evidence in its sets' sections, the same way.
func TestJSONRecordKeepsPersonalEvidenceApart(t *testing.T) {
	reasons := []recommend.Reason{
		{Kind: recommend.KindBoughtTogether, Text: "Because you bought Kettle and 1 more", Evidence: []string{"p1", "p2"}, FeatureSet: "purchases", Contribution: 1},
		{Kind: recommend.KindViewedRecently, Text: "Because you viewed Mug", Evidence: []string{"v1"}, FeatureSet: "browsing", Contribution: 0.5},
		{Kind: "response_rate", Text: "Customers respond", FeatureSet: "none", Contribution: 0.25},
	}
	type doc struct {
		DecisionID string             `json:"decision_id"`
		CustomerID string             `json:"customer_id"`
		Reasons    []recommend.Reason `json:"reasons"`
	}
	shown, _ := json.Marshal(doc{"nba1", "c1", reasons})
	split := doc{"nba1", "c1", append([]recommend.Reason(nil), reasons...)}
	docs, err := recommend.SplitReasons([][]recommend.Reason{split.Reasons})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(split)
	rec, err := recommend.JSONRecord("nba1", "c1", "head", now, body, docs)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Record, []byte("p1")) || bytes.Contains(rec.Record, []byte("Kettle")) || !bytes.Contains(rec.Evidence, []byte("Kettle")) {
		t.Fatalf("record %q, evidence %q", rec.Record, rec.Evidence)
	}
	store := &memStore{}
	_ = store.AppendDecisions(context.Background(), []recommend.DecisionRecord{rec}, recommend.Retention{})
	svc := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Catalog: func() *catalog.Snapshot { return nil }, Store: store}, recommend.Config{})
	for _, strip := range [][]consent.Scope{nil, {consent.Purchases}} {
		stored, err := recommend.StripEvidence(append(rec.Record, rec.Evidence...), strip...)
		if err != nil {
			t.Fatal(err)
		}
		store.recs[0].Record = stored
		got, err := svc.DecisionsOf(context.Background(), "c1")
		if err != nil || len(got) != 1 {
			t.Fatalf("%d decisions, %v", len(got), err)
		}
		var back doc
		if err := json.Unmarshal(got[0], &back); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(back)
		switch {
		case strip == nil && !bytes.Equal(b, shown):
			t.Errorf("joined %s, shown %s", b, shown)
		case strip != nil && (!back.Reasons[0].EvidenceDeleted || len(back.Reasons[0].Evidence) != 0 || back.Reasons[1].Evidence[0] != "v1"):
			t.Errorf("purchases withdrawn: %s", b)
		}
	}
}

// checkDeleted holds the reasons of set ("any": every personal set) to
// name no evidence and say why, and every score to its exact sum.
func checkDeleted(t *testing.T, d recommend.Response, set string) {
	t.Helper()
	n := 0
	for _, it := range d.Items {
		var sum float64
		for _, r := range it.Reasons {
			sum += r.Contribution
			personal := consent.Scope(r.FeatureSet).IsFeatureSet()
			if (set == "any" && personal) || r.FeatureSet == set {
				n++
				if !r.EvidenceDeleted || len(r.Evidence) != 0 || !strings.Contains(r.Text, "deleted") {
					t.Errorf("item %s: reason %+v still names evidence", it.ItemID, r)
				}
			} else if r.EvidenceDeleted {
				t.Errorf("item %s: reason of %s marked deleted", it.ItemID, r.FeatureSet)
			}
		}
		if math.Abs(sum-it.Score) > 1e-9 {
			t.Errorf("item %s: reasons sum %v, score %v", it.ItemID, sum, it.Score)
		}
	}
	if n == 0 {
		t.Errorf("no reason of %s in the decision", set)
	}
}

// Titles and categories come from the catalog when a decision is read:
// an item no longer in it shows its ID (and cannot be hidden by its
// category, which is unknown); the rest is as shown.
func TestStoredItemGoneFromTheCatalogShowsItsID(t *testing.T) {
	svc, store, cat := recordWorld(t, &fakeReader{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "full", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	gone, evidence := resp.Items[0].ItemID, ""
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			if r.Kind == recommend.KindBoughtTogether && evidence == "" {
				evidence = r.Evidence[0]
			}
		}
	}
	var items []catalog.Item
	for _, it := range cat.Items() {
		if it.ID != gone && it.ID != evidence {
			items = append(items, it)
		}
	}
	smaller := catalog.NewSnapshot(items, nil)
	read := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Catalog: func() *catalog.Snapshot { return smaller }, Store: store}, recommend.Config{})
	got, err := read.Decision(context.Background(), "full", resp.DecisionID)
	if err != nil {
		t.Fatal(err)
	}
	it := got.Items[0]
	if it.ItemID != gone || it.Title != gone || len(it.Category) != 0 || it.Score != resp.Items[0].Score {
		t.Errorf("item gone from the catalog: %+v", it)
	}
	for _, c := range it.Controls {
		if c.Kind == "hide_category" {
			t.Errorf("an item of unknown category can be hidden by it: %+v", c)
		}
	}
	if len(it.Controls) != len(resp.Items[0].Controls)-1 {
		t.Errorf("controls %+v, shown %+v", it.Controls, resp.Items[0].Controls)
	}
	want := *resp
	want.Items = append([]recommend.Item(nil), resp.Items[1:]...)
	have := *got
	have.Items = got.Items[1:]
	for i := range have.Items {
		for j, r := range have.Items[i].Reasons {
			if evidence != "" && len(r.Evidence) > 0 && r.Evidence[0] == evidence {
				if !strings.Contains(r.Text, evidence) {
					t.Errorf("a reason whose first evidence is gone does not name its ID: %q", r.Text)
				}
				have.Items[i].Reasons[j].Text = want.Items[i].Reasons[j].Text
			}
		}
	}
	a, _ := json.Marshal(have)
	b, _ := json.Marshal(want)
	if !bytes.Equal(a, b) {
		t.Errorf("the other items differ:\n%s\n%s", a, b)
	}
}

// A record that does not decode is refused with a message that says so,
// never a crash and never another customer's data.
func TestUnreadableRecordIsRefused(t *testing.T) {
	svc, store, _ := recordWorld(t, &fakeReader{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "full", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	good := store.recs[0].Record
	for _, bad := range [][]byte{good[:len(good)/2], append(append([]byte(nil), good[:9]...), 0x7f), []byte("{not json")} {
		store.recs[0].Record = bad
		_, err := svc.Decision(context.Background(), "full", resp.DecisionID)
		if candor.ErrorCode(err) != candor.EInternal || !strings.Contains(candor.ErrorMessage(err), "cannot read") {
			t.Errorf("record %q: %v", bad, err)
		}
	}
}

// The record is compact: a 10-item answer with personal evidence (three
// reasons an item) takes a few hundred bytes; its JSON takes ten thousand.
func TestRecordIsCompact(t *testing.T) {
	svc, store, _ := recordWorld(t, &fakeReader{})
	for _, who := range []string{"full", "basic", "none"} {
		resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: who, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		shown, _ := resp.JSON()
		rec := store.recs[len(store.recs)-1].Record
		if len(rec) > 600 || 10*len(rec) > len(shown) {
			t.Errorf("%s: the record of a 10-item answer takes %d bytes (its JSON %d)", who, len(rec), len(shown))
		}
	}
}
