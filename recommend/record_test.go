package recommend_test

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// A stored decision holds no personal evidence in its body: each personal
// set's text and evidence are a document of their own, and joining them
// back gives the decision exactly as it was shown. Without a set's
// document (withdrawn or erased since) its reasons say so and name
// nothing, and every score is still the exact sum of its reasons.
func TestSplitEvidenceKeepsPersonalEvidenceApart(t *testing.T) {
	cat, m := recommendtest.World(3, 240)
	bought, viewed := []string{"i001", "i007", "i013"}, []string{"i020", "i021"}
	r := &fakeReader{states: map[string]*features.State{"s1": stateWith("s1", full(), bought, viewed, []string{"books"})}}
	store := &memStore{}
	w := recommend.NewWriter(store, 0, 10)
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Decisions: w}, recommend.Config{})
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
	body, docs := store.recs[0].Body, store.recs[0].Evidence
	if _, ok := docs[string(consent.Purchases)]; !ok || !strings.Contains(string(shown), "Because you bought") {
		t.Fatalf("the test decision used no purchases: %s", shown)
	}
	for _, leak := range append(append([]string{"Because you bought", "Because you viewed"}, bought...), `"evidence":["i02`) {
		if strings.Contains(string(body), leak) {
			t.Errorf("the stored body holds %q", leak)
		}
	}
	if strings.Contains(string(shown), "evidence_ref") {
		t.Errorf("the answer shown was changed by recording it: %s", shown)
	}
	tests := []struct {
		name    string
		docs    map[string][]byte
		deleted string // the set whose reasons must say their evidence was deleted
	}{
		{"all held", docs, ""},
		{"purchases withdrawn", without(docs, consent.Purchases), string(consent.Purchases)},
		{"erased", nil, "any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := recommend.JoinEvidence(body, tt.docs)
			if err != nil {
				t.Fatal(err)
			}
			var got, want recommend.Response
			_ = json.Unmarshal(b, &got)
			_ = json.Unmarshal(shown, &want)
			if tt.deleted == "" {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("joined decision differs from the one shown:\n%s\n%s", b, shown)
				}
				return
			}
			checkDeleted(t, got, tt.deleted)
		})
	}
}

func without(docs map[string][]byte, set consent.Scope) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range docs {
		if k != string(set) {
			out[k] = v
		}
	}
	return out
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
