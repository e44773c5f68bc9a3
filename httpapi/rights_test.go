package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

func (f *fixture) token(t *testing.T, id string, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.SignHMAC(testSecret, id, ttl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) as(t *testing.T, tok, method, path, body string) (int, []byte) {
	t.Helper()
	resp, b := f.send(t, method, path, body, map[string]string{"Authorization": "Bearer " + tok})
	return resp.StatusCode, b
}

func TestCustomerTokenMatrix(t *testing.T) {
	f := newFixture(t)
	f.send(t, "PUT", "/v1/customers/bob/consent", `{"preset":"full"}`, nil)
	alice := f.token(t, "alice", 10*time.Minute)
	expired := f.token(t, "alice", -time.Hour)
	forged, _ := auth.SignHMAC([]byte("not-the-secret-not-the-secret-xx"), "alice", time.Minute, time.Now())
	wrongAud, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "alice", Audience: jwt.ClaimStrings{"shop"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))}).SignedString(testSecret)
	routes := []struct{ method, path, body string }{
		{"GET", "/v1/me/consent", ""},
		{"GET", "/v1/me/consent/history", ""},
		{"POST", "/v1/me/feedback", `{"kind":"not_interested","item_id":"i1"}`},
		{"GET", "/v1/me/export", ""},
		{"GET", "/v1/customers/alice/consent", ""},
	}
	for _, r := range routes {
		if code, b := f.as(t, alice, r.method, r.path, r.body); code != 200 {
			t.Errorf("own %s %s: %d %s", r.method, r.path, code, b)
		}
		for name, tok := range map[string]string{"expired": expired, "forged": forged, "wrong aud": wrongAud} {
			if code, _ := f.as(t, tok, r.method, r.path, r.body); code != 401 {
				t.Errorf("%s token on %s %s: %d, want 401", name, r.method, r.path, code)
			}
		}
	}
	// IDOR and other routes: 403 with one message whether or not the customer exists
	var msgs []string
	for _, p := range []string{"/v1/customers/bob/consent", "/v1/customers/nobody/consent", "/v1/customers/bob/consent/history", "/v1/keys", "/v1/whoami"} {
		code, b := f.as(t, alice, "GET", p, "")
		if code != 403 {
			t.Errorf("alice on %s: %d, want 403", p, code)
		}
		msgs = append(msgs, errorOf(t, b).Message)
	}
	if msgs[0] != msgs[1] {
		t.Errorf("403 for an existing and a missing customer differ: %q vs %q", msgs[0], msgs[1])
	}
	// a route no customer token may call says so, and where the token's own data is
	if want := "A customer token may not call GET /v1/keys; it needs an API key with one of: admin. A customer's own data is under /v1/me."; msgs[3] != want {
		t.Errorf("alice on /v1/keys: %q, want %q", msgs[3], want)
	}
	if code, _ := f.as(t, alice, "PUT", "/v1/customers/bob/consent", `{"preset":"none"}`); code != 403 {
		t.Errorf("alice changing bob's consent: %d", code)
	}
	if code, _ := f.as(t, alice, "DELETE", "/v1/customers/bob", ""); code != 403 {
		t.Errorf("alice erasing bob: %d", code)
	}
	_, b := f.send(t, "GET", "/v1/customers/bob/consent", "", nil)
	if scopeOf(decodeConsentBody(t, b), consent.Browsing).Effective != consent.Granted {
		t.Error("bob's consent changed")
	}
}

func TestPreferenceCentrePutUsesItsSource(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "pc", time.Minute)
	code, b := f.as(t, tok, "PUT", "/v1/me/consent", `{"preset":"basic","source":"api"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	if rec := scopeOf(decodeConsentBody(t, b), consent.Declared).Record; rec == nil || rec.Source != consent.SourcePreferenceCentre {
		t.Errorf("record = %+v, want source preference_centre", rec)
	}
}

// fullLife gives a customer consent, events in every set, feedback,
// contacts and profile data.
func (f *fixture) fullLife(t *testing.T, id string) {
	t.Helper()
	f.seedCatalog(t)
	if f.actionsLive.Load().Len() == 0 {
		f.publishActions(t, `{"actions":[{"id":"welcome","name":"Welcome","type":"offer","channels":["onsite"],"value":1,"weight":1}]}`)
	}
	f.send(t, "PUT", "/v1/customers/"+id+"/consent", `{"preset":"full","scopes":{"sensitive":"granted"}}`, nil)
	r := f.postEvents(t, fmt.Sprintf(`[{"customer_id":%[1]q,"type":"view","item_id":"i1"},{"customer_id":%[1]q,"type":"purchase","item_id":"i2"},
	 {"customer_id":%[1]q,"type":"view","item_id":"v1"},{"customer_id":%[1]q,"type":"impression","action_id":"welcome"}]`, id))
	if r.Stored != 4 {
		t.Fatalf("full life stored %d of 4 events: %+v", r.Stored, r.Outcomes)
	}
	for set, body := range map[string]string{"declared": `{"categories":["kitchen"]}`, "location": `{"country":"NL"}`, "demographics": `{"age_band":"35-44"}`} {
		if resp, b := f.send(t, "PUT", "/v1/customers/"+id+"/features/"+set, body, nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %s", set, b)
		}
	}
	tok := f.token(t, id, time.Minute)
	f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"hide_category","category":"garden"}`)
	f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"wrong_reason","item_id":"i1","text":"I bought it as a gift"}`)
}

func TestExportHoldsEverything(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.fullLife(t, "ex")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	_, shown := f.send(t, "GET", "/v1/recommendations?customer_id=ex&n=3", "", nil)
	cancel()
	<-done // the decision record is written
	code, b := f.as(t, f.token(t, "ex", time.Minute), "GET", "/v1/me/export", "")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	var decisions struct {
		Data struct {
			Decisions []json.RawMessage `json:"decisions"`
		} `json:"data"`
	}
	_ = json.Unmarshal(b, &decisions)
	if d := decisions.Data.Decisions; len(d) != 1 || !bytes.Equal(d[0], shown) {
		t.Errorf("export decisions %s, want the one shown %s", d, shown)
	}
	var doc exportDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"item_id":"i1"`, `"i2"`, `"v1"`, `"categories":["kitchen"]`, `"country":"NL"`, `"age_band":"35-44"`,
		`"category":"garden"`, `"text":"I bought it as a gift"`, `"action_id":"welcome"`, `"event":"impression"`, `"last_interaction"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("export lacks %s", want)
		}
	}
	// the attack of issue 20: Go field names and the store's encodings
	for _, leak := range []string{`"Item"`, `"Last"`, `"Count"`, `"Rating"`, `"Member"`, `"Time"`, `hc:`, `ni:`, `wr:`, `welcome:impression`} {
		if strings.Contains(string(b), leak) {
			t.Errorf("export holds %s: %s", leak, b)
		}
	}
	checkSchema(t, "Export", b)
	if len(doc.Consent) != 7 || !doc.History.ChainValid || len(doc.Data.Sets) != 6 {
		t.Errorf("export: %d consent records, chain %v, %d sets", len(doc.Consent), doc.History.ChainValid, len(doc.Data.Sets))
	}
}

func TestErasureLeavesNoKey(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.fullLife(t, "gone")
	f.fullLife(t, "stays")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.recs(t, "customer_id=gone")
	f.recs(t, "customer_id=stays")
	cancel()
	<-done // decision records written
	code, b := f.as(t, f.token(t, "gone", time.Minute), "DELETE", "/v1/me", "")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	var rc struct {
		Deleted map[string]int `json:"deleted_keys"`
	}
	_ = json.Unmarshal(b, &rc)
	if rc.Deleted["feature_sets"] != 6 || rc.Deleted["consent"] != 1 || rc.Deleted["consent_log"] != 1 || rc.Deleted["feedback"] != 1 || rc.Deleted["contacts"] != 1 || rc.Deleted["decisions"] != 1 {
		t.Errorf("receipt = %s", b)
	}
	var stays int
	for _, k := range f.db.Keys(t) {
		if strings.Contains(k, "{c:gone}") || strings.Contains(k, "gone") {
			t.Errorf("key left after erasure: %s", k)
		}
		if strings.Contains(k, "{c:stays}") {
			stays++
		}
	}
	if stays < 10 {
		t.Errorf("erasing one customer touched another: %d keys left for 'stays'", stays)
	}
	if rec, err := f.store.Erased(context.Background(), "gone"); err != nil || !strings.Contains(rec, "erased_at") || strings.Contains(rec, "gone") {
		t.Errorf("erasure record = %q, %v", rec, err)
	}
	st, _ := f.store.ReadState(context.Background(), "gone", f.consent.Request(false), features.ReadOptions{})
	if len(st.Interactions) != 0 || st.Grant().String() != "" {
		t.Error("state readable after erasure")
	}
}

func TestExportAndErasureAreRateLimited(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "rl", time.Minute)
	for i := 0; i < 10; i++ {
		if code, _ := f.as(t, tok, "GET", "/v1/me/export", ""); code != 200 {
			t.Fatalf("export %d: %d", i, code)
		}
	}
	resp, b := f.send(t, "GET", "/v1/me/export", "", map[string]string{"Authorization": "Bearer " + tok})
	if resp.StatusCode != 429 || errorOf(t, b).Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("11th export: %d %s (Retry-After %q)", resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
}

// The attack of issue 20: DELETE /v1/me twelve times in a row answered 200
// twelve times (the erasure deleted its own rate counter), and erasing
// reset the export limit too. The limits survive the erasure they limit,
// and their keys name no customer.
func TestRateLimitsSurviveErasure(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "rl-erase", time.Minute)
	for i := range 10 {
		if code, b := f.as(t, tok, "GET", "/v1/me/export", ""); code != 200 {
			t.Fatalf("export %d: %d %s", i, code, b)
		}
	}
	for i := range 12 {
		code, b := f.as(t, tok, "DELETE", "/v1/me", "")
		if want := 200; i >= 10 {
			want = 429
			if code != want || errorOf(t, b).Code != "rate_limited" {
				t.Errorf("erasure %d: %d %s, want %d", i+1, code, b, want)
			}
		} else if code != want {
			t.Fatalf("erasure %d: %d %s", i+1, code, b)
		}
	}
	if code, _ := f.as(t, tok, "GET", "/v1/me/export", ""); code != 429 {
		t.Errorf("export after erasures: %d, want 429 (the erasure reset its limit)", code)
	}
	limits := 0
	for _, k := range f.db.Keys(t) {
		if strings.Contains(k, "rl-erase") {
			t.Errorf("key %s names the erased customer", k)
		}
		if strings.Contains(k, ":rl:e") {
			limits++
			if ttl := f.db.Client.TTL(context.Background(), k).Val(); ttl <= 0 || ttl > time.Hour {
				t.Errorf("rate limit %s expires in %v, want within the hour", k, ttl)
			}
		}
	}
	if limits != 2 {
		t.Errorf("%d rate-limit counters, want 2 (export, erase)", limits)
	}
}

func TestFeedbackValidation(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "fb", time.Minute)
	for _, body := range []string{
		`{"kind":"love","item_id":"i1"}`,
		`{"kind":"not_interested"}`,
		`{"kind":"wrong_reason","text":"` + strings.Repeat("x", 501) + `"}`,
		`{"kind":"hide_category","category":"a/b"}`,
	} {
		if code, b := f.as(t, tok, "POST", "/v1/me/feedback", body); code != 400 {
			t.Errorf("%.60s: %d %s", body, code, b)
		}
	}
	f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"not_interested","item_id":"i9"}`)
	st, _ := f.store.ReadState(context.Background(), "fb", f.consent.Request(false), features.ReadOptions{})
	if fs := parseFeedbackForTest(st); !fs.NotInterested["i9"] {
		t.Errorf("not_interested not in the next read: %v", st.Feedback)
	}
}

func parseFeedbackForTest(st *features.State) features.FeedbackState {
	fs := features.FeedbackState{NotInterested: map[string]bool{}}
	for k := range st.Feedback {
		if strings.HasPrefix(k, "ni:") {
			fs.NotInterested[k[3:]] = true
		}
	}
	return fs
}

// checkSchema holds body to the schema of that name in /openapi.json, every
// object of which lists its fields (additionalProperties false).
func checkSchema(t *testing.T, name string, body []byte) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiDoc)
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s in openapi.json", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		t.Errorf("the answer does not match schema %s: %v", name, err)
	}
}
