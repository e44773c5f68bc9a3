package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
)

func (f *fixture) send(t *testing.T, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + f.keys[auth.RoleSite]}
	for k, v := range hdr {
		h[k] = v
	}
	return f.request(t, method, path, body, h)
}

func decodeConsentBody(t *testing.T, b []byte) consentResponse {
	t.Helper()
	var r consentResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return r
}

func scopeOf(r consentResponse, s consent.Scope) scopeView {
	for _, v := range r.Scopes {
		if v.Scope == s {
			return v
		}
	}
	return scopeView{}
}

func TestConsentPutGetAndETag(t *testing.T) {
	f := newFixture(t)
	resp, b := f.send(t, "GET", "/v1/customers/c-1/consent", "", nil)
	r := decodeConsentBody(t, b)
	if resp.StatusCode != 200 || scopeOf(r, consent.Browsing).Reason != consent.ReasonNoRecord || len(r.Scopes) != len(consent.AllScopes) {
		t.Fatalf("fresh customer: %d %s", resp.StatusCode, b)
	}
	resp, b = f.send(t, "PUT", "/v1/customers/c-1/consent", `{"preset":"basic","scopes":{"location":"granted"},"source":"cmp"}`, nil)
	r = decodeConsentBody(t, b)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || scopeOf(r, consent.Location).Effective != consent.Granted || scopeOf(r, consent.Browsing).Reason != consent.ReasonDenied {
		t.Fatalf("put: %d %s", resp.StatusCode, b)
	}
	if rec := scopeOf(r, consent.Declared).Record; rec == nil || rec.Source != consent.SourceCMP || rec.PolicyVersion != "2" {
		t.Errorf("declared record = %+v", rec)
	}
	// idempotent: same body, same ETag, nothing changed
	resp2, b2 := f.send(t, "PUT", "/v1/customers/c-1/consent", `{"preset":"basic","scopes":{"location":"granted"},"source":"cmp"}`, nil)
	if resp2.Header.Get("ETag") != etag || len(decodeConsentBody(t, b2).Changed) != 0 {
		t.Errorf("repeat PUT changed something: %s", b2)
	}
	// stale If-Match: 409 and nothing changes
	f.send(t, "PUT", "/v1/customers/c-1/consent", `{"preset":"full"}`, nil)
	resp, b = f.send(t, "PUT", "/v1/customers/c-1/consent", `{"preset":"none"}`, map[string]string{"If-Match": etag})
	if resp.StatusCode != 409 || errorOf(t, b).Code != candor.EConflict {
		t.Fatalf("stale If-Match: %d %s", resp.StatusCode, b)
	}
	_, b = f.send(t, "GET", "/v1/customers/c-1/consent", "", nil)
	if scopeOf(decodeConsentBody(t, b), consent.Browsing).Effective != consent.Granted {
		t.Error("a 409 PUT changed the consent")
	}
}

func TestConsentBadInput(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, path, body, want string
	}{
		{"unknown preset", "/v1/customers/c/consent", `{"preset":"most"}`, "none, basic, full"},
		{"unknown scope", "/v1/customers/c/consent", `{"scopes":{"dna":"granted"}}`, "browsing"},
		{"unknown field", "/v1/customers/c/consent", `{"preset":"basic","extra":1}`, "extra"},
		{"bad state", "/v1/customers/c/consent", `{"scopes":{"email":"yes"}}`, "granted"},
		{"newer policy", "/v1/customers/c/consent", `{"preset":"basic","policy_version":"9"}`, "policy"},
		{"gpc source", "/v1/customers/c/consent", `{"preset":"basic","source":"gpc"}`, "Sec-GPC"},
		{"bad id", "/v1/customers/a%7Bb%7D/consent", `{"preset":"basic"}`, "customer id"},
		{"long id", "/v1/customers/" + strings.Repeat("x", 129) + "/consent", `{"preset":"basic"}`, "1-128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := f.send(t, "PUT", tt.path, tt.body, nil)
			if resp.StatusCode != 400 || !strings.Contains(errorOf(t, b).Message, tt.want) {
				t.Errorf("status %d body %s, want 400 mentioning %q", resp.StatusCode, b, tt.want)
			}
		})
	}
	if n := len(f.historyHashes(t)); n != 0 {
		t.Errorf("bad input wrote %d keys", n)
	}
}

func (f *fixture) historyHashes(t *testing.T) []string {
	t.Helper()
	_, b := f.send(t, "GET", "/v1/customers/c/consent/history", "", nil)
	var h historyResponse
	_ = json.Unmarshal(b, &h)
	out := make([]string, len(h.Entries))
	for i, e := range h.Entries {
		out[i] = e.Hash
	}
	return out
}

// The attack of issue 20: Sec-GPC: 1 on next-best-actions, deliver and
// events was applied but not recorded, so a later request without the
// header delivered a data-sharing action. Every route that honours GPC
// records it, and a later delivery without the header is refused.
func TestGPCIsRecordedOnEveryRoute(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, `{"actions":[{"id":"partner","name":"Partner deal","type":"offer","channels":["email"],"value":10,"weight":1,"shares_data":true}]}`)
	item := f.model.IDs()[0]
	gpc := map[string]string{"Sec-GPC": "1"}
	tests := []struct{ customer, method, path, body string }{
		{"g-nba", "GET", "/v1/customers/g-nba/next-best-actions?channel=email", ""},
		{"g-deliver", "POST", "/v1/customers/g-deliver/actions/partner/deliver", `{"channel":"email"}`},
		{"g-events", "POST", "/v1/events", `[{"customer_id":"g-events","type":"view","item_id":"` + item + `"}]`},
		{"g-recs", "GET", "/v1/recommendations?customer_id=g-recs", ""},
		{"g-profile", "PUT", "/v1/customers/g-profile/features/declared", `{"categories":["books"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.customer, func(t *testing.T) {
			f.send(t, "PUT", "/v1/customers/"+tt.customer+"/consent", `{"preset":"full","scopes":{"email":"granted","sale_share":"granted"}}`, nil)
			if resp, b := f.send(t, tt.method, tt.path, tt.body, gpc); resp.StatusCode != 200 {
				t.Fatalf("%s %s with GPC: %d %s", tt.method, tt.path, resp.StatusCode, b)
			}
			_, b := f.send(t, "GET", "/v1/customers/"+tt.customer+"/consent", "", nil)
			if v := scopeOf(decodeConsentBody(t, b), consent.SaleShare); v.Effective != consent.Denied || v.Record == nil || v.Record.Source != consent.SourceGPC {
				t.Errorf("sale_share after GPC, asked without it: %+v", v)
			}
			resp, b := f.send(t, "POST", "/v1/customers/"+tt.customer+"/actions/partner/deliver", `{"channel":"email"}`, nil)
			var out deliverResponse
			_ = json.Unmarshal(b, &out)
			if resp.StatusCode != 200 || out.Delivered {
				t.Errorf("a data-sharing action delivered without the header after GPC: %d %s", resp.StatusCode, b)
			}
		})
	}
}

// A grant of sale_share sent with Sec-GPC: 1 is refused with a message,
// and stores no grant.
func TestGPCRefusesASaleShareGrant(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "gg", time.Minute)
	resp, b := f.send(t, "PUT", "/v1/me/consent", `{"preset":"full","scopes":{"sale_share":"granted"}}`,
		map[string]string{"Authorization": "Bearer " + tok, "Sec-GPC": "1"})
	if resp.StatusCode != 400 || !strings.Contains(errorOf(t, b).Message, "Sec-GPC") {
		t.Errorf("a sale_share grant with GPC: %d %s, want 400 naming Sec-GPC", resp.StatusCode, b)
	}
	_, b = f.send(t, "GET", "/v1/customers/gg/consent", "", nil)
	if v := scopeOf(decodeConsentBody(t, b), consent.SaleShare); v.Effective != consent.Denied || v.Record == nil || v.Record.State != consent.Denied {
		t.Errorf("sale_share after the refused grant: %+v (want the GPC denial recorded)", v)
	}
}

func TestGPCDeniesSaleShareAndIsRecordedOnce(t *testing.T) {
	f := newFixture(t)
	f.send(t, "PUT", "/v1/customers/g1/consent", `{"preset":"full","scopes":{"sale_share":"granted"}}`, nil)
	gpc := map[string]string{"Sec-GPC": "1"}
	_, b := f.send(t, "GET", "/v1/customers/g1/consent", "", gpc)
	if v := scopeOf(decodeConsentBody(t, b), consent.SaleShare); v.Effective != consent.Denied || v.Reason != consent.ReasonGPC {
		t.Errorf("sale_share under GPC = %+v", v)
	}
	f.send(t, "GET", "/v1/customers/g1/consent", "", gpc)
	_, b = f.send(t, "GET", "/v1/customers/g1/consent/history", "", nil)
	var h historyResponse
	_ = json.Unmarshal(b, &h)
	n := 0
	for _, e := range h.Entries {
		if e.Source == consent.SourceGPC {
			n++
			if e.Scope != consent.SaleShare || e.State != consent.Denied {
				t.Errorf("gpc entry = %+v", e)
			}
		}
	}
	if n != 1 || !h.ChainValid {
		t.Errorf("gpc entries = %d (want 1), chain_valid %v", n, h.ChainValid)
	}
	_, m := f.do(t, "GET", "/metrics", "", "")
	for _, want := range []string{
		"candor_gpc_requests_total 2",
		`candor_consent_changes_total{scope="sale_share",source="api",state="granted"} 1`,
		`candor_consent_changes_total{scope="sale_share",source="gpc",state="denied"} 1`, // the signal, recorded once
		`candor_consent_withdrawals_total{scope="sale_share",shown="false"} 1`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("consent metrics lack %s:\n%s", want, grepLines(string(m), "candor_consent"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestConsentHistoryChains(t *testing.T) {
	f := newFixture(t)
	f.send(t, "PUT", "/v1/customers/h1/consent", `{"preset":"full"}`, nil)
	f.send(t, "PUT", "/v1/customers/h1/consent", `{"scopes":{"purchases":"denied"}}`, nil)
	resp, b := f.send(t, "GET", "/v1/customers/h1/consent/history", "", nil)
	var h historyResponse
	if err := json.Unmarshal(b, &h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if !h.ChainValid || h.FirstBadEntry != nil || len(h.Entries) < 2 {
		t.Fatalf("history = %s", b)
	}
	for i := 1; i < len(h.Entries); i++ {
		if h.Entries[i].Prev != h.Entries[i-1].Hash {
			t.Errorf("entry %d prev %s != hash of %d", i, h.Entries[i].Prev, i-1)
		}
	}
	if last := h.Entries[len(h.Entries)-1]; last.Scope != consent.Purchases || last.State != consent.Denied {
		t.Errorf("last entry = %+v", last)
	}
}

func TestMarketerMayNotReadConsent(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.do(t, "GET", "/v1/customers/c1/consent", auth.RoleMarketer, "")
	if resp.StatusCode != 403 {
		t.Errorf("marketer: %d, want 403", resp.StatusCode)
	}
}
