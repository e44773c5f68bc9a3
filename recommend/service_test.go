package recommend_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
)

func full() []consent.Scope {
	return []consent.Scope{consent.Browsing, consent.Purchases, consent.Declared, consent.Location, consent.Demographics}
}

func randomIDs(rng *rand.Rand, n, max int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("i%03d", rng.IntN(max))
	}
	return out
}

func TestContributionsSumToScore(t *testing.T) {
	cat, m := recommendtest.World(1, 240)
	rng := rand.New(rand.NewPCG(9, 9))
	r := &fakeReader{states: map[string]*features.State{}}
	svc := newService(r, cat, m)
	personal := 0
	for i := 0; i < 200; i++ {
		id := fmt.Sprintf("c%d", i)
		r.states[id] = stateWith(id, full(), randomIDs(rng, rng.IntN(8), 240), randomIDs(rng, rng.IntN(20), 240), []string{"books"})
		req := recommend.Request{CustomerID: id, N: 1 + rng.IntN(30)}
		if rng.IntN(2) == 0 {
			req.ItemID = fmt.Sprintf("i%03d", rng.IntN(240))
			req.Category = "kitchen"
		}
		resp, err := svc.Recommend(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Items) == 0 {
			t.Fatalf("request %d: no items", i)
		}
		for _, it := range resp.Items {
			var sum float64
			for _, rs := range it.Reasons {
				sum += rs.Contribution
			}
			if math.Abs(sum-it.Score) > 1e-9 || len(it.Reasons) == 0 {
				t.Fatalf("item %s: reasons sum %v, score %v", it.ItemID, sum, it.Score)
			}
		}
		if fs := resp.Items[0].Reasons[0].FeatureSet; fs == "purchases" || fs == "browsing" || fs == "context" {
			personal++
		}
	}
	if personal < 150 {
		t.Errorf("%d of 200 lists lead with evidence of the customer or the page; the rest with popularity", personal)
	}
}

func TestNeverShowsPurchasedOrNotInterested(t *testing.T) {
	cat, m := recommendtest.World(2, 240)
	rng := rand.New(rand.NewPCG(3, 3))
	r := &fakeReader{states: map[string]*features.State{}}
	svc := newService(r, cat, m)
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("c%d", i)
		bought := randomIDs(rng, 5, 60)
		st := stateWith(id, full(), bought, randomIDs(rng, 10, 60), nil)
		noThanks := randomIDs(rng, 5, 60)
		st.Feedback = map[string]string{"hc:garden": "1"}
		for _, n := range noThanks {
			st.Feedback["ni:"+n] = "1"
		}
		r.states[id] = st
		resp, _ := svc.Recommend(context.Background(), recommend.Request{CustomerID: id, N: 40})
		for _, it := range resp.Items {
			for _, b := range append(bought, noThanks...) {
				if it.ItemID == b {
					t.Fatalf("customer %s was shown %s (purchased or not interested)", id, b)
				}
			}
			if it.Category[0] == "garden" || it.Category[0] == "health" {
				t.Fatalf("shown %s from hidden or sensitive category %s", it.ItemID, it.Category[0])
			}
		}
	}
}

func TestDeclaredOnlyCustomerGetsNoHistoryReasons(t *testing.T) {
	cat, m := recommendtest.World(4, 240)
	r := &fakeReader{states: map[string]*features.State{}}
	// stored history exists, but only declared is granted: the gated read
	// would not return it, and stateWith mirrors that
	r.states["d"] = stateWith("d", []consent.Scope{consent.Declared}, []string{"i001", "i007"}, []string{"i013"}, []string{"music"})
	svc := newService(r, cat, m)
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "d", N: 20, ItemID: "i002"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Personalization.Level != "partial" || fmt.Sprint(resp.Personalization.UsedSets) != "[declared]" {
		t.Errorf("personalization = %+v", resp.Personalization)
	}
	declared := false
	for _, it := range resp.Items {
		for _, rs := range it.Reasons {
			switch rs.Kind {
			case recommend.KindDeclaredPreference:
				declared = true
			case recommend.KindSimilarToCurrent, recommend.KindPopular, recommend.KindPopularInCategory:
			default:
				t.Errorf("declared-only customer got reason %s on %s", rs.Kind, it.ItemID)
			}
		}
	}
	if !declared {
		t.Error("no declared_preference reason at all")
	}
}

func TestFallbackWhenStoreFails(t *testing.T) {
	cat, m := recommendtest.World(5, 240)
	r := &fakeReader{err: errors.New("connection refused")}
	svc := newService(r, cat, m)
	for i := 0; i < 8; i++ {
		resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "x", N: 5, Category: "books"})
		if err != nil {
			t.Fatalf("fallback returned an error: %v", err)
		}
		if !resp.Fallback.Active || resp.Personalization.Level != "none" || len(resp.Items) != 5 {
			t.Fatalf("request %d: %+v", i, resp.Fallback)
		}
		for _, it := range resp.Items {
			for _, rs := range it.Reasons {
				if rs.FeatureSet != "none" {
					t.Errorf("fallback used %s", rs.FeatureSet)
				}
			}
		}
		if i >= 5 && resp.Fallback.Reason != "circuit_open" {
			t.Errorf("request %d: reason %q, want circuit_open after 5 failures", i, resp.Fallback.Reason)
		}
	}
	if r.reads != 5 {
		t.Errorf("the breaker let %d reads through, want 5", r.reads)
	}
}

func TestAnonymousGetsContextAndPopularOnly(t *testing.T) {
	cat, m := recommendtest.World(6, 240)
	r := &fakeReader{}
	svc := newService(r, cat, m)
	resp, err := svc.Recommend(context.Background(), recommend.Request{AnonymousID: "a1", ItemID: "i004", N: 10})
	if err != nil || r.reads != 0 {
		t.Fatalf("err %v, reads %d", err, r.reads)
	}
	for _, it := range resp.Items {
		for _, rs := range it.Reasons {
			if rs.FeatureSet != "context" && rs.FeatureSet != "none" {
				t.Errorf("anonymous visitor got %s reason", rs.FeatureSet)
			}
		}
	}
}

func TestGPCIsPassedOn(t *testing.T) {
	cat, m := recommendtest.World(7, 120)
	r := &fakeReader{}
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1, GPC: gpc} }},
		recommend.Config{})
	_, _ = svc.Recommend(context.Background(), recommend.Request{CustomerID: "g", GPC: true})
	if !r.gpc {
		t.Error("the gated read did not get the GPC signal")
	}
}

func TestBadRequests(t *testing.T) {
	cat, m := recommendtest.World(8, 60)
	svc := newService(&fakeReader{}, cat, m)
	for _, req := range []recommend.Request{{N: 101}, {N: -1}, {Placement: "moon"}, {CustomerID: "a", AnonymousID: "b"}, {CustomerID: "x{y}"}} {
		if _, err := svc.Recommend(context.Background(), req); err == nil {
			t.Errorf("%+v accepted", req)
		}
	}
}

// A decision ID is random: it names no customer, and a customer's
// decision is found only among that customer's records.
func TestDecisionIDsAreOpaque(t *testing.T) {
	cat, m := recommendtest.World(8, 60)
	store := &memStore{}
	svc := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Decisions: store, Store: store}, recommend.Config{})
	a, _ := svc.Recommend(context.Background(), recommend.Request{CustomerID: "u1"})
	b, _ := svc.Recommend(context.Background(), recommend.Request{CustomerID: "u1"})
	for _, id := range []string{a.DecisionID, b.DecisionID} {
		if len(id) != 32 || strings.Contains(id, ".") || strings.Contains(id, base64.RawURLEncoding.EncodeToString([]byte("u1"))) {
			t.Errorf("decision ID %q is not 128 random bits in hex", id)
		}
	}
	if a.DecisionID[:8] == b.DecisionID[:8] {
		t.Errorf("two decisions of one customer share a prefix: %s, %s", a.DecisionID, b.DecisionID)
	}
	if _, err := svc.Decision(context.Background(), "u1", a.DecisionID); err != nil {
		t.Errorf("own decision: %v", err)
	}
	for _, who := range []string{"u2", ""} {
		if _, err := svc.Decision(context.Background(), who, a.DecisionID); candor.ErrorCode(err) != candor.ENotFound {
			t.Errorf("u1's decision asked for as %q's: %v, want not_found", who, err)
		}
	}
}

// memStore records decisions as the writer would and finds them by
// customer, as the Redis store does; a record's evidence is kept (no
// consent change in these tests).
type memStore struct{ recs []recommend.DecisionRecord }

func (m *memStore) Record(r *recommend.Response) {
	rec, ev, err := recommend.EncodeRecord(r)
	if err != nil {
		panic(err)
	}
	m.recs = append(m.recs, recommend.DecisionRecord{ID: r.DecisionID, CustomerID: r.CustomerID, Time: now, Record: append(rec, ev...)})
}

func (m *memStore) AppendDecisions(_ context.Context, recs []recommend.DecisionRecord, _ recommend.Retention) error {
	for _, r := range recs {
		r.Record, r.Evidence = append(slices.Clip(r.Record), r.Evidence...), nil
		m.recs = append(m.recs, r)
	}
	return nil
}

func (m *memStore) Decision(_ context.Context, customerID, id string) (recommend.DecisionRecord, error) {
	for _, r := range m.recs {
		if r.CustomerID == customerID && r.ID == id {
			return r, nil
		}
	}
	return recommend.DecisionRecord{}, candor.Errorf(candor.ENotFound, "no decision")
}

func (m *memStore) Decisions(_ context.Context, customerID string) ([]recommend.DecisionRecord, error) {
	var out []recommend.DecisionRecord
	for _, r := range m.recs {
		if r.CustomerID == customerID {
			out = append(out, r)
		}
	}
	return out, nil
}

// noItems is a model that knows no item, as one trained on an empty store.
type noItems struct{ recommend.Model }

func (noItems) NumItems() int { return 0 }

// TestAnswerWithoutAModel: while the server holds no model it may use (none
// loaded yet, or the live one retired), a recommendation is still answered,
// never a 5xx: available catalog items, labelled a fallback that says why,
// scored and explained from nothing learnt (every reason non-personal, summing
// to the score), and without reading the customer. Only an empty catalog
// leaves nothing to answer with. A live model that knows no item counts as
// none.
func TestAnswerWithoutAModel(t *testing.T) {
	cat, m := recommendtest.World(5, 40)
	blank := noItems{m} // trained on an empty store: knows no item
	for _, tc := range []struct {
		model   recommend.Model
		retired bool
		reason  string
	}{{nil, false, recommend.FallbackNoModel}, {nil, true, recommend.FallbackModelRetired}, {blank, false, recommend.FallbackNoModel}} {
		r, store := &fakeReader{}, &memStore{}
		svc := recommend.NewService(recommend.Deps{
			Reader: r, Model: func() recommend.Model { return tc.model }, Retired: func() bool { return tc.retired },
			Catalog: func() *catalog.Snapshot { return cat }, Decisions: store, Store: store,
			Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		}, recommend.Config{})
		resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c1", N: 5})
		if err != nil {
			t.Fatalf("retired %v: %v", tc.retired, err)
		}
		if !resp.Fallback.Active || resp.Fallback.Reason != tc.reason || resp.Personalization.Level != "none" || resp.ModelVersion != "" {
			t.Errorf("retired %v: fallback %+v, personalization %q, model %q", tc.retired, resp.Fallback, resp.Personalization.Level, resp.ModelVersion)
		}
		if len(resp.Items) != 5 || r.reads != 0 {
			t.Fatalf("retired %v: %d items, %d reads of the customer; want 5 and none", tc.retired, len(resp.Items), r.reads)
		}
		shown, _ := resp.JSON()
		stored, err := svc.Decision(context.Background(), "c1", resp.DecisionID)
		if b, _ := json.Marshal(stored); err != nil || !bytes.Equal(b, shown) {
			t.Errorf("retired %v: the decision record shows\n%s\n(%v), the answer was\n%s", tc.retired, b, err, shown)
		}
		for _, it := range resp.Items {
			c, ok := cat.Get(it.ItemID)
			if !ok || !c.Available {
				t.Errorf("%s is not an available catalog item", it.ItemID)
			}
			var sum float64
			for _, rs := range it.Reasons {
				sum += rs.Contribution
				if rs.FeatureSet != "none" || len(rs.Evidence) > 0 {
					t.Errorf("%s: reason %+v uses something", it.ItemID, rs)
				}
			}
			if sum != it.Score {
				t.Errorf("%s: reasons sum to %v, score %v", it.ItemID, sum, it.Score)
			}
		}
	}
	empty := recommend.NewService(recommend.Deps{Reader: &fakeReader{}, Model: func() recommend.Model { return nil },
		Catalog: func() *catalog.Snapshot { return catalog.NewSnapshot(nil, nil) }}, recommend.Config{})
	if _, err := empty.Recommend(context.Background(), recommend.Request{CustomerID: "c1", N: 5}); candor.ErrorCode(err) != candor.EUnavailable {
		t.Errorf("no model and an empty catalog: %v, want unavailable", err)
	}
}

// An item counts once as context: a product page's item that is also in
// the cart, or an item twice in the cart, weighs as once, and the cart's
// items are explained as the cart's.
func TestContextItemsCountOnce(t *testing.T) {
	cat, m := recommendtest.World(6, 240)
	svc := newService(&fakeReader{}, cat, m)
	ask := func(cart ...string) *recommend.Response {
		t.Helper()
		resp, err := svc.Recommend(context.Background(), recommend.Request{AnonymousID: "a1", Placement: "cart", ItemID: "i004", Cart: cart, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	once, repeated := ask("i022"), ask("i004", "i022", "i022", "i004")
	cartReasons := 0
	for k, it := range once.Items {
		got := repeated.Items[k]
		if got.ItemID != it.ItemID || got.Score != it.Score || !reflect.DeepEqual(got.Reasons, it.Reasons) {
			t.Fatalf("item %d: %s %v %+v with repeats, want %s %v %+v", k, got.ItemID, got.Score, got.Reasons, it.ItemID, it.Score, it.Reasons)
		}
		for _, r := range it.Reasons {
			switch r.Kind {
			case recommend.KindSimilarToCurrent:
				if !slices.Equal(r.Evidence, []string{"i004"}) {
					t.Errorf("%s: the page's item reason names %v", it.ItemID, r.Evidence)
				}
			case recommend.KindGoesWithCart:
				cartReasons++
				if !slices.Equal(r.Evidence, []string{"i022"}) || !strings.HasSuffix(r.Text, ", which is in your cart") || r.FeatureSet != "context" {
					t.Errorf("%s: cart reason %+v", it.ItemID, r)
				}
			}
		}
	}
	if cartReasons == 0 {
		t.Fatal("no item was explained by the cart, so the test proved nothing")
	}
}
