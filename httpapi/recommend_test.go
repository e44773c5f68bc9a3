package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

// seedWorld puts the test world's items in the catalog.
func (f *fixture) seedWorld(t *testing.T) {
	t.Helper()
	var items []catalog.Item
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	for i, id := range f.model.IDs() {
		items = append(items, catalog.Item{ID: id, Title: "Item " + id, Category: []string{cats[i%len(cats)]}, Available: true})
	}
	if err := f.store.PutItems(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) recs(t *testing.T, query string) recommend.Response {
	t.Helper()
	resp, b := f.send(t, "GET", "/v1/recommendations?"+query, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("recommendations?%s: %d %s", query, resp.StatusCode, b)
	}
	var r recommend.Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func hasReason(r recommend.Response, kind string) bool {
	for _, it := range r.Items {
		for _, rs := range it.Reasons {
			if rs.Kind == kind {
				return true
			}
		}
	}
	return false
}

func TestRecommendationsUseConsentAndExplain(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/r1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"r1","type":"purchase","item_id":"i000"},{"customer_id":"r1","type":"purchase","item_id":"i006"},{"customer_id":"r1","type":"view","item_id":"i012"}]`)
	r := f.recs(t, "customer_id=r1&n=8")
	if len(r.Items) != 8 || r.Personalization.Level != "full" || !hasReason(r, recommend.KindBoughtTogether) || r.DecisionID == "" {
		t.Fatalf("response: level %s, %d items, decision %q", r.Personalization.Level, len(r.Items), r.DecisionID)
	}
	for _, it := range r.Items {
		var sum float64
		for _, rs := range it.Reasons {
			sum += rs.Contribution
		}
		if math.Abs(sum-it.Score) > 1e-9 || it.ItemID == "i000" || it.ItemID == "i006" {
			t.Errorf("item %s: sum %v score %v", it.ItemID, sum, it.Score)
		}
	}
	// withdrawal is effective on the very next request
	f.send(t, "PUT", "/v1/customers/r1/consent", `{"scopes":{"purchases":"denied"}}`, nil)
	r2 := f.recs(t, "customer_id=r1&n=8")
	if hasReason(r2, recommend.KindBoughtTogether) || r2.Personalization.Level != "partial" {
		t.Errorf("after withdrawing purchases: level %s, bought_together %v", r2.Personalization.Level, hasReason(r2, recommend.KindBoughtTogether))
	}
}

func TestDecisionAndWhyAreRecorded(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.send(t, "PUT", "/v1/customers/w1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"w1","type":"purchase","item_id":"i003"}]`)
	r := f.recs(t, "customer_id=w1&n=5")
	cancel()
	<-done // flushed
	item := r.Items[0].ItemID
	resp, b := f.send(t, "GET", "/v1/decisions/"+r.DecisionID+"/items/"+item+"/why?customer_id=w1", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("why: %d %s", resp.StatusCode, b)
	}
	var w recommend.Why
	_ = json.Unmarshal(b, &w)
	if w.ItemID != item || w.Summary == "" || len(w.Controls) < 2 || len(w.DataUsed) == 0 {
		t.Errorf("why = %s", b)
	}
	// the decision read back is the answer as it was shown
	resp, b = f.send(t, "GET", "/v1/decisions/"+r.DecisionID+"?customer_id=w1", "", nil)
	var d recommend.Response
	if err := json.Unmarshal(b, &d); resp.StatusCode != 200 || err != nil || !reflect.DeepEqual(d, r) {
		t.Errorf("decision read back: %d %s, shown %+v", resp.StatusCode, b, r)
	}
	if w.Title != r.Items[0].Title || !reflect.DeepEqual(w.Reasons, r.Items[0].Reasons) || !reflect.DeepEqual(w.Controls, r.Items[0].Controls) || w.Score != r.Items[0].Score {
		t.Errorf("why %+v differs from the item shown %+v", w, r.Items[0])
	}
	// the customer's own token may open it; another customer's may not
	if code, _ := f.as(t, f.token(t, "w1", time.Minute), "GET", "/v1/me/decisions/"+r.DecisionID+"/items/"+item+"/why", ""); code != 200 {
		t.Errorf("own why: %d", code)
	}
	// another customer's decision is not found, as a missing one is
	for _, path := range []string{"/v1/decisions/" + r.DecisionID, "/v1/decisions/0123456789abcdef0123456789abcdef"} {
		if code, b := f.as(t, f.token(t, "other", time.Minute), "GET", path, ""); code != 404 || errorOf(t, b).Code != "not_found" {
			t.Errorf("other customer's token on %s: %d %s, want 404", path, code, b)
		}
	}
	if code, _ := f.as(t, f.token(t, "other", time.Minute), "GET", "/v1/decisions/"+r.DecisionID+"?customer_id=w1", ""); code != 403 {
		t.Errorf("another customer's decision asked for by customer_id: %d, want 403", code)
	}
	if resp, _ := f.send(t, "GET", "/v1/decisions/"+r.DecisionID+"?customer_id=w2", "", nil); resp.StatusCode != 404 {
		t.Errorf("a site key naming the wrong customer: %d, want 404", resp.StatusCode)
	}
	if code, _ := f.as(t, f.token(t, "w1", time.Minute), "GET", "/v1/decisions/"+r.DecisionID+"/items/i999/why", ""); code != 404 {
		t.Errorf("item not in decision: %d", code)
	}
}

// The attack of issue 20: after u4 withdrew purchases, an earlier decision
// still said "Because you bought …" and listed the purchased items, on
// the decision, its why page and in the export. The withdrawal must
// reach every stored decision in the same step.
func TestWithdrawalReachesEarlierDecisions(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.send(t, "PUT", "/v1/customers/u4/consent", `{"preset":"full"}`, nil)
	bought := []string{"i003", "i009", "i015"}
	for _, id := range bought {
		f.postEvents(t, `[{"customer_id":"u4","type":"purchase","item_id":"`+id+`"}]`)
	}
	r := f.recs(t, "customer_id=u4&n=10")
	cancel()
	<-done // flushed
	item := ""
	for _, it := range r.Items {
		if it.Reasons[0].Kind == recommend.KindBoughtTogether {
			item = it.ItemID
		}
	}
	if item == "" {
		t.Fatalf("no item shown because of a purchase: %+v", r.Items)
	}
	tok := f.token(t, "u4", time.Minute)
	reads := map[string]string{
		"decision": "/v1/decisions/" + r.DecisionID,
		"why":      "/v1/me/decisions/" + r.DecisionID + "/items/" + item + "/why",
	}
	if _, b := f.as(t, tok, "GET", reads["why"], ""); !strings.Contains(string(b), "Because you bought") {
		t.Fatalf("why before the withdrawal: %s", b)
	}
	if code, b := f.as(t, tok, "PUT", "/v1/me/consent", `{"scopes":{"purchases":"denied"}}`); code != 200 {
		t.Fatalf("withdraw: %d %s", code, b)
	}
	reads["export"] = "/v1/me/export"
	for name, path := range reads {
		code, b := f.as(t, tok, "GET", path, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", name, code, b)
		}
		if strings.Contains(string(b), "Because you bought") {
			t.Errorf("%s still says why from purchases: %s", name, b)
		}
		for _, id := range bought {
			if strings.Contains(string(b), `"`+id+`"`) {
				t.Errorf("%s still lists purchased item %s", name, id)
			}
		}
	}
}

func TestNotInterestedTakesEffectOnNextRequest(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/n1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"n1","type":"purchase","item_id":"i001"}]`)
	first := f.recs(t, "customer_id=n1&n=5").Items[0].ItemID
	f.as(t, f.token(t, "n1", time.Minute), "POST", "/v1/me/feedback", fmt.Sprintf(`{"kind":"not_interested","item_id":%q}`, first))
	for _, it := range f.recs(t, "customer_id=n1&n=50").Items {
		if it.ItemID == first {
			t.Fatalf("%s still recommended after not_interested", first)
		}
	}
}

func TestRecommendationBadInput(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	for _, q := range []string{"n=0", "n=101", "n=ten", "placement=moon", "colour=red", "customer_id=a&anonymous_id=b", "n=1&n=2"} {
		if resp, b := f.send(t, "GET", "/v1/recommendations?"+q, "", nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, b)
		}
	}
	r := f.recs(t, "customer_id=ghost&item_id=nope")
	if r.Personalization.Level != "none" || len(r.Warnings) != 1 || len(r.Items) == 0 {
		t.Errorf("unknown customer and context item: %+v, warnings %v", r.Personalization, r.Warnings)
	}
	// A category no item is filed under is named, and one whose items the
	// model does not know yet; one that is, in any case, is not, and its
	// items are popular in it.
	if r := f.recs(t, "customer_id=ghost&category=gardn"); len(r.Warnings) != 1 || r.Warnings[0] != `context category "gardn": no item of the catalog is in it, so none is shown as popular in it` {
		t.Errorf("misspelt category: warnings %q", r.Warnings)
	}
	if err := f.store.PutItems(context.Background(), []catalog.Item{{ID: "new1", Title: "New", Category: []string{"pottery"}, Available: true}}); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := f.recs(t, "customer_id=ghost&category=Pottery"); len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `"Pottery": its items are not in the model yet`) {
		t.Errorf("category of items the model does not know yet: warnings %q", r.Warnings)
	}
	r = f.recs(t, "customer_id=ghost&category=Garden")
	inCategory := slices.ContainsFunc(r.Items, func(it recommend.Item) bool {
		return len(it.Reasons) > 0 && it.Reasons[0].Kind == recommend.KindPopularInCategory && it.Category[0] == "garden"
	})
	if len(r.Warnings) != 0 || !inCategory {
		t.Errorf("category Garden: warnings %q, an item popular in garden: %v", r.Warnings, inCategory)
	}
}

// TestOneRoundTripPerRequest counts every command and pipeline the
// recommendation path sends to Redis.
func TestOneRoundTripPerRequest(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/o1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"o1","type":"purchase","item_id":"i001"}]`)
	c := redis.NewClient(f.db.Client.Options())
	defer c.Close()
	st := redisstore.New(c, f.store.Namespace())
	_ = st.LoadScripts(context.Background())
	h := &roundTrips{}
	c.AddHook(h)
	svc := recommend.NewService(recommend.Deps{Reader: st, Model: func() recommend.Model { return f.model },
		Catalog: func() *catalog.Snapshot { return f.live.Load() }, Request: f.consent.Request, Feedback: redisstore.ParseFeedback}, recommend.Config{})
	for i := 0; i < 5; i++ {
		if _, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "o1"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.n.Load(); got != 5 {
		t.Errorf("5 requests made %d Redis round trips, want 5", got)
	}
}

// TestFallbackWhenRedisIsDown points the scorer, through the server's
// client options, at a closed port: the answer is 200 with non-personal
// items, never an error, and says the store is unavailable (then that the
// breaker is open), not that it was slow. The budget is long so that a
// busy machine cannot turn the refusal into a timeout; that the client
// does not wait between dials is TestClientsRunOnceAndDialOnce's.
func TestFallbackWhenRedisIsDown(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	rdb, err := redisstore.Client(redisstore.Options{URL: "redis://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	dead := redisstore.New(rdb, "x")
	svc := recommend.NewService(recommend.Deps{Reader: dead, Model: func() recommend.Model { return f.model },
		Catalog: func() *catalog.Snapshot { return f.live.Load() }, Request: f.consent.Request}, recommend.Config{ReadBudget: 10 * time.Second})
	for i := 0; i < 8; i++ {
		r, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "z", Category: "books"})
		if err != nil || !r.Fallback.Active || len(r.Items) == 0 {
			t.Fatalf("request %d: %v %+v", i, err, r.Fallback)
		}
		if why := r.Fallback.Reason; why != "store_unavailable" && why != "circuit_open" {
			t.Errorf("fallback reason %q; want store_unavailable (connection refused) or circuit_open", why)
		}
	}
}

type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}
