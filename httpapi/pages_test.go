package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor/auth"
)

func TestPagesAreServedWithTheirAssets(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path, ctype, want string
	}{
		{"/me/privacy", "text/html", `name="viewport"`},
		{"/me/why/Yy0x.abc/p-00001", "text/html", `src="/assets/why.js"`},
		{"/console", "text/html", `<label for="key">`},
		{"/assets/app.css", "text/css", ":focus-visible"},
		{"/assets/privacy.js", "text/javascript", "/v1/me/consent"},
	}
	for _, tt := range tests {
		resp, b := f.do(t, "GET", tt.path, "", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(string(b), tt.want) {
			t.Errorf("GET %s: %d %s, body lacks %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: a ?token= link could leak through the referrer", tt.path)
		}
	}
	for _, p := range []string{"/assets/nope.js", "/assets/..%2fweb.go", "/me/why/only-decision"} {
		if resp, b := f.do(t, "GET", p, "", ""); resp.StatusCode != 404 || errorOf(t, b).Code != "not_found" {
			t.Errorf("GET %s: %d %s, want 404", p, resp.StatusCode, b)
		}
	}
}

func TestDemoRoutesExistOnlyInDemoMode(t *testing.T) {
	f := newFixture(t)
	for _, r := range []struct{ method, path string }{{"GET", "/demo"}, {"POST", "/demo/session"}, {"POST", "/demo/gpc"}, {"GET", "/"},
		{"GET", "/assets/demo.js"}, {"GET", "/assets/demo.html"}, {"GET", "/assets/privacy.html"}} {
		if resp, _ := f.do(t, r.method, r.path, "", "{}"); resp.StatusCode != 404 {
			t.Errorf("%s %s without demo mode: %d, want 404", r.method, r.path, resp.StatusCode)
		}
	}
}

// demoServer is the fixture's API with demo mode on.
func demoServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	d := f.srv.deps
	d.Registry = prometheus.NewRegistry()
	d.Demo = &Demo{SiteKey: f.keys[auth.RoleSite], MarketerKey: f.keys[auth.RoleMarketer],
		Customers: []DemoCustomer{{ID: "d1", Preset: "full"}, {ID: "d2", Preset: "none"}},
		Token:     func(id string) (string, error) { return auth.SignHMAC(testSecret, id, time.Hour, time.Now()) }}
	ts := httptest.NewServer(New(d))
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, url, body, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestDemoSessionSignsTokensForDemoCustomersOnly(t *testing.T) {
	f := newFixture(t)
	ts := demoServer(t, f)
	code, b := post(t, ts.URL+"/demo/session", `{}`, "")
	var s demoSessionResponse
	_ = json.Unmarshal(b, &s)
	if code != 200 || s.SiteKey != f.keys[auth.RoleSite] || len(s.Customers) != 2 || s.Token != "" {
		t.Fatalf("session without a customer: %d %s", code, b)
	}
	code, b = post(t, ts.URL+"/demo/session", `{"customer_id":"d1"}`, "")
	s = demoSessionResponse{}
	_ = json.Unmarshal(b, &s)
	if code != 200 || s.Token == "" {
		t.Fatalf("session for d1: %d %s", code, b)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/v1/me/consent", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"customer_id":"d1"`) {
		t.Errorf("the demo token does not reach d1's consent: %d %s", resp.StatusCode, body)
	}
	if code, _ := post(t, ts.URL+"/demo/session", `{"customer_id":"c-99999"}`, ""); code != 404 {
		t.Errorf("token for a customer outside the demo: %d, want 404", code)
	}
	if code, _ := post(t, ts.URL+"/demo/session", `{"customer":"d1"}`, ""); code != 400 {
		t.Errorf("unknown field: %d, want 400", code)
	}
	resp, err = http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo" {
		t.Errorf("/ in demo mode: %d at %s, want the demo shop", resp.StatusCode, resp.Request.URL.Path)
	}
}

// TestDemoGPCRecordsTheSignal: the demo shop's GPC toggle records, for a
// demo customer only, the sale_share denial Sec-GPC: 1 records, once.
func TestDemoGPCRecordsTheSignal(t *testing.T) {
	f := newFixture(t)
	ts := demoServer(t, f)
	f.send(t, "PUT", "/v1/customers/d1/consent", `{"preset":"full","scopes":{"sale_share":"granted"}}`, nil)
	for i, want := range []string{`"recorded":true`, `"recorded":false`} {
		if code, b := post(t, ts.URL+"/demo/gpc", `{"customer_id":"d1"}`, ""); code != 200 || !strings.Contains(string(b), want) {
			t.Errorf("toggle %d: %d %s, want %s", i, code, b, want)
		}
	}
	_, b := f.send(t, "GET", "/v1/customers/d1/consent", "", nil)
	if !strings.Contains(string(b), `"scope":"sale_share","effective":"denied","reason":"denied","record":{"state":"denied"`) || !strings.Contains(string(b), `"source":"gpc"`) {
		t.Errorf("sale_share after the toggle: %s", b)
	}
	for body, want := range map[string]int{`{"customer_id":"c-99999"}`: 404, `{}`: 400} {
		if code, _ := post(t, ts.URL+"/demo/gpc", body, ""); code != want {
			t.Errorf("GPC for %s: %d, want %d", body, code, want)
		}
	}
}
