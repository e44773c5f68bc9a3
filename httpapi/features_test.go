package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

const testItems = `{"items":[
 {"id":"i1","title":"Skillet","category":["kitchen","cookware"],"price":30,"currency":"EUR","available":true},
 {"id":"i2","title":"Kettle","category":["kitchen"],"price":20,"available":true},
 {"id":"v1","title":"Vitamins","category":["health","supplements"],"price":9,"available":true}]}`

func (f *fixture) seedCatalog(t *testing.T) {
	t.Helper()
	if resp, b := f.send(t, "PUT", "/v1/catalog/items", testItems, nil); resp.StatusCode != 200 {
		t.Fatalf("catalog: %d %s", resp.StatusCode, b)
	}
}

func (f *fixture) postEvents(t *testing.T, body string) eventsResponse {
	t.Helper()
	resp, b := f.send(t, "POST", "/v1/events", body, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("events: %d %s", resp.StatusCode, b)
	}
	var r eventsResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCatalogUpsertGetDelete(t *testing.T) {
	f := newFixture(t)
	f.seedCatalog(t)
	resp, b := f.do(t, "GET", "/v1/catalog/items/i1", auth.RoleMarketer, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"Skillet"`) {
		t.Fatalf("get: %d %s", resp.StatusCode, b)
	}
	if _, sensitive := f.live.Load().Lookup("v1"); !sensitive {
		t.Error("an item in the health category is not sensitive")
	}
	if resp, _ := f.send(t, "DELETE", "/v1/catalog/items/i2", "", nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ := f.send(t, "GET", "/v1/catalog/items/i2", "", nil); resp.StatusCode != 404 {
		t.Errorf("get deleted: %d", resp.StatusCode)
	}
	bad := map[string]string{
		`{"items":[{"id":"ok","title":"A","category":["x"]},{"id":"b{ad}","title":"B","category":["x"]}]}`: `items[1]`,
		`{"items":[{"id":"n","title":"","category":["x"]}]}`:                                               `items[0]`,
		`{"items":[{"id":"n","title":"T","category":[]}]}`:                                                 `items[0]`,
		`{"items":[{"id":"n","title":"T","category":["x"],"price":-1}]}`:                                   `items[0]`,
		`{"items":[]}`: `items must hold 1-`,
		`{"items":[{"id":"ok","title":"A","category":["x"]},{"id":"ok","title":"B","category":["x"]}]}`: `items[1]: id \"ok\" is also items[0]; send each item once (nothing was stored)`,
		`[{"id":"ok","title":"A","category":["x"]}]`:                                                    `send the array as {\"items\": [...]}`,
	}
	for body, want := range bad {
		if resp, b := f.send(t, "PUT", "/v1/catalog/items", body, nil); resp.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s, want 400 saying %s", body, resp.StatusCode, b, want)
		}
	}
	if resp, _ := f.send(t, "GET", "/v1/catalog/items/ok", "", nil); resp.StatusCode != 404 {
		t.Error("a rejected batch was half-written")
	}
}

func TestEventsGateAndOutcomes(t *testing.T) {
	f := newFixture(t)
	f.seedCatalog(t)
	f.send(t, "PUT", "/v1/customers/p1/consent", `{"preset":"none","scopes":{"purchases":"granted"}}`, nil)
	now := time.Now().UTC().Format(time.RFC3339)
	day := 24 * time.Hour
	within, past := time.Now().Add(-700*day).UTC().Format(time.RFC3339), time.Now().Add(-800*day).UTC().Format(time.RFC3339)
	r := f.postEvents(t, fmt.Sprintf(`[
	 {"customer_id":"p1","type":"purchase","item_id":"i1","ts":%q},
	 {"customer_id":"p1","type":"view","item_id":"i2"},
	 {"customer_id":"p1","type":"purchase","item_id":"v1"},
	 {"anonymous_id":"a1","type":"view","item_id":"i1"},
	 {"customer_id":"p1","type":"teleport","item_id":"i1"},
	 {"customer_id":"p1","type":"view","item_id":"nope"},
	 {"customer_id":"p1","type":"view","item_id":"i1","ts":"2999-01-01T00:00:00Z"},
	 {"customer_id":"p1","type":"view","item_id":"i1","ts":"yesterday"},
	 {"customer_id":"nobody","type":"view","item_id":"i1"},
	 "i1",
	 {"customer_id":"p1","type":"view","item_id":7},
	 {"customer_id":"p1","type":"purchase","item_id":"i2","ts":%q},
	 {"customer_id":"p1","type":"purchase","item_id":"i1","ts":%q},
	 {"customer_id":"p1","type":"view","item_id":"i1","ts":"1970-01-01T00:00:00Z"},
	 {"customer_id":"p1","type":"purchase","item_id":"i2","ts":"0001-01-01T00:00:00Z"},
	 {"customer_id":"p1","type":"purchase","item_id":"i2","TS":"0001-01-01T00:00:00Z"},
	 {"customer_id":"p1","type":"view","item_id":"i2","ts":null}]`, now, within, past))
	want := []struct{ status, reason, msg string }{
		{features.Stored, "", ""},
		{features.Dropped, "denied", ""},
		{features.Dropped, "denied", ""}, // sensitive item: needs its own grant
		{features.Dropped, features.ReasonAnonymous, ""},
		{features.Invalid, "", "unknown event type"},
		{features.Invalid, "", "not in the catalog"},
		{features.Invalid, "", "future"},
		{features.Invalid, "", "ts"},
		{features.Dropped, "no_record", ""},
		{features.Invalid, "", "The event must be an object, not a string."},
		{features.Invalid, "", `Field "item_id" must be a string, not a number.`},
		{features.Stored, "", ""}, // 700 days old: purchases are kept 730
		{features.Dropped, features.ReasonRetention, ""},
		{features.Dropped, features.ReasonRetention, ""},                 // browsing: 90 days
		{features.Invalid, "", "ts 0001-01-01T00:00:00Z is before 1970"}, // not "now", as a missing ts is
		{features.Invalid, "", "ts 0001-01-01T00:00:00Z is before 1970"}, // the decoder matches keys in any case
		{features.Dropped, "denied", ""},                                 // a null ts is a missing one: valid
	}
	for i, w := range want {
		o := r.Outcomes[i]
		if o.Status != w.status || o.Reason != w.reason || !strings.Contains(o.Message, w.msg) {
			t.Errorf("event %d: %+v, want %+v", i, o, w)
		}
	}
	if r.Stored != 2 || r.Dropped != 7 || r.Invalid != 8 {
		t.Errorf("counts = %d/%d/%d", r.Stored, r.Dropped, r.Invalid)
	}
	keys := f.db.Keys(t)
	for _, k := range keys {
		if strings.Contains(k, ":fs:") && !strings.HasSuffix(k, "{c:p1}:fs:purchases") && !strings.HasSuffix(k, "{c:p1}:fs:purchases:p") {
			t.Errorf("a dropped event left key %s", k)
		}
	}
	st, _ := f.store.ReadState(context.Background(), "p1", f.consent.Request(false), features.ReadOptions{})
	// the purchase 700 days old is kept; the one 800 days old did not touch i1's
	if got := st.Interactions["purchases"]; len(got) != 2 || got[0].Item != "i2" || got[1].Item != "i1" || got[1].Count != 1 {
		t.Errorf("purchases = %+v", got)
	}
}

// A batch sent again with its event IDs (a client retrying after a 503 or
// a lost answer) stores nothing twice; a malformed event_id is invalid.
func TestEventIDsMakeRetriesSafe(t *testing.T) {
	f := newFixture(t)
	f.seedCatalog(t)
	f.send(t, "PUT", "/v1/customers/id1/consent", `{"preset":"full"}`, nil)
	batch := `[{"event_id":"ev-1","customer_id":"id1","type":"view","item_id":"i1"},
	 {"event_id":"ev-2","customer_id":"id1","type":"purchase","item_id":"i2"},
	 {"event_id":"bad id!","customer_id":"id1","type":"view","item_id":"i1"}]`
	for range 3 {
		r := f.postEvents(t, batch)
		if r.Stored != 2 || r.Invalid != 1 || !strings.Contains(r.Outcomes[2].Message, "event_id") {
			t.Fatalf("outcomes = %+v", r.Outcomes)
		}
	}
	st, _ := f.store.ReadState(context.Background(), "id1", f.consent.Request(false), features.ReadOptions{})
	for _, set := range []consent.Scope{consent.Browsing, consent.Purchases} {
		if got := st.Interactions[set]; len(got) != 1 || got[0].Count != 1 {
			t.Errorf("%s = %+v, want one event counted once", set, got)
		}
	}
}

// The attack of issue 20: after an erasure, an impression recreated the
// customer's contacts key (90-day TTL), and contacts were stored for a
// customer with no consent record at all. Contacts pass the collection
// gate: their channel must be granted now.
func TestContactsNeedConsent(t *testing.T) {
	f := newFixture(t)
	f.publishActions(t, `{"actions":[{"id":"welcome","name":"Welcome","type":"offer","channels":["onsite","email"],"value":1,"weight":1},
	 {"id":"mail","name":"Mail","type":"offer","channels":["email"],"value":1,"weight":1}]}`)
	f.fullLife(t, "gone")
	tok := f.token(t, "gone", time.Minute)
	if code, b := f.as(t, tok, "DELETE", "/v1/me", ""); code != 200 {
		t.Fatalf("erase: %d %s", code, b)
	}
	f.send(t, "PUT", "/v1/customers/nochan/consent", `{"preset":"full"}`, nil) // onsite, not email
	r := f.postEvents(t, `[{"customer_id":"gone","type":"impression","action_id":"welcome","channel":"onsite"},
	 {"customer_id":"never","type":"click","action_id":"welcome","channel":"onsite"},
	 {"customer_id":"nochan","type":"impression","action_id":"welcome","channel":"email"},
	 {"customer_id":"nochan","type":"impression","action_id":"mail"}]`) // the action's channel: email
	for i, want := range []string{consent.ReasonNoRecord, consent.ReasonNoRecord, consent.ReasonNoRecord, consent.ReasonNoRecord} {
		if o := r.Outcomes[i]; o.Status != features.Dropped || o.Reason != want {
			t.Errorf("event %d: %+v, want dropped %s", i, o, want)
		}
	}
	for _, k := range f.db.Keys(t) {
		if strings.Contains(k, "contacts") {
			t.Errorf("a contact without consent left %s", k)
		}
	}
}

func TestEventsBatchLimits(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 1001; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"customer_id":"c","type":"view","item_id":"i1"}`)
	}
	b.WriteString("]")
	if resp, body := f.send(t, "POST", "/v1/events", b.String(), nil); resp.StatusCode != 400 || !strings.Contains(string(body), "1-1000") {
		t.Errorf("1001 events: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.send(t, "POST", "/v1/events", `{"type":"view"}`, nil); resp.StatusCode != 400 {
		t.Errorf("non-array body: %d", resp.StatusCode)
	}
}

func TestProfileSets(t *testing.T) {
	f := newFixture(t)
	f.send(t, "PUT", "/v1/customers/q1/consent", `{"preset":"basic","scopes":{"location":"granted"}}`, nil)
	tests := []struct {
		set, body  string
		wantStatus int
		wantMsg    string
	}{
		{"declared", `{"categories":["kitchen"],"price_band":"mid"}`, 200, ""},
		{"location", `{"country":"DE","region":"Bavaria"}`, 200, ""},
		{"location", `{"country":"DE","street":"Hauptstr. 1"}`, 400, "too precise"},
		{"location", `{"country":"Germany"}`, 400, "ISO 3166"},
		{"demographics", `{"age_band":"25-34"}`, 403, "not granted (denied)"},
		{"demographics", `{"birth_date":"1990-01-01"}`, 400, "birth"},
		{"browsing", `{}`, 400, "declared, location or demographics"},
		{"declared", `{"price_band":"luxury"}`, 400, "budget, mid, premium"},
		{"declared", `{"colour":"red"}`, 400, "colour"},
	}
	for _, tt := range tests {
		resp, b := f.send(t, "PUT", "/v1/customers/q1/features/"+tt.set, tt.body, nil)
		if resp.StatusCode != tt.wantStatus || (tt.wantMsg != "" && !strings.Contains(errorOf(t, b).Message, tt.wantMsg)) {
			t.Errorf("%s %s: %d %s", tt.set, tt.body, resp.StatusCode, b)
		}
	}
	st, _ := f.store.ReadState(context.Background(), "q1", f.consent.Request(false), features.ReadOptions{})
	if st.Declared == nil || st.Declared.PriceBand != "mid" || st.Location == nil || st.Location.Region != "Bavaria" || st.Demographics != nil {
		t.Errorf("state: declared %+v location %+v demographics %+v", st.Declared, st.Location, st.Demographics)
	}
}
