package httpapi

import (
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/features"
)

// The attack of issue 20: a null body wiped a profile or saved an empty
// draft, trailing data after the JSON value was accepted, and a repeated
// query parameter was read as its first value. All are 400, on every
// route, and nothing changes.
func TestStrictJSONAndQuery(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/s1/consent", `{"preset":"full"}`, nil)
	if resp, b := f.send(t, "PUT", "/v1/customers/s1/features/declared", `{"categories":["books"]}`, nil); resp.StatusCode != 200 {
		t.Fatalf("profile: %d %s", resp.StatusCode, b)
	}
	f.publishActions(t, testActions)
	tests := []struct {
		name, method, path, body string
		role                     auth.Role
	}{
		{"null profile", "PUT", "/v1/customers/s1/features/declared", `null`, auth.RoleSite},
		{"null ruleset draft", "PUT", "/v1/rulesets/default/draft", ` null `, auth.RoleMarketer},
		{"null action catalog", "PUT", "/v1/actions", "null\n", auth.RoleMarketer},
		{"null consent", "PUT", "/v1/customers/s1/consent", `null`, auth.RoleSite},
		{"null events", "POST", "/v1/events", `null`, auth.RoleSite},
		{"null feedback", "POST", "/v1/me/feedback", `null`, ""},
		{"trailing profile", "PUT", "/v1/customers/s1/features/declared", `{"categories":["toys"]} {}`, auth.RoleSite},
		{"trailing ruleset", "PUT", "/v1/rulesets/default/draft", `{"rules":[]} x`, auth.RoleMarketer},
		{"trailing catalog", "PUT", "/v1/actions", `{"actions":[]}]`, auth.RoleMarketer},
		{"trailing consent", "PUT", "/v1/customers/s1/consent", `{"preset":"none"} {"preset":"none"}`, auth.RoleSite},
		{"trailing key", "POST", "/v1/keys", `{"role":"site","name":"x"} 1`, auth.RoleAdmin},
		{"repeated n, next-best-actions", "GET", "/v1/customers/s1/next-best-actions?channel=email&n=3&n=4", "", auth.RoleSite},
		{"repeated n, recommendations", "GET", "/v1/recommendations?customer_id=s1&n=3&n=4", "", auth.RoleSite},
		{"repeated q, catalog", "GET", "/v1/catalog/items?q=a&q=b", "", auth.RoleSite},
		{"repeated limit, audit", "GET", "/v1/audit?limit=1&limit=2", "", auth.RoleMarketer},
		{"misspelt ruleset, audit", "GET", "/v1/audit?rulset=default", "", auth.RoleMarketer},
		{"unknown parameter, action audit", "GET", "/v1/actions/audit?kind=actions", "", auth.RoleMarketer},
		{"parameter, ruleset versions", "GET", "/v1/rulesets/default/versions?foo=1", "", auth.RoleMarketer},
		{"parameter, action versions", "GET", "/v1/actions/versions?foo=1", "", auth.RoleMarketer},
		{"repeated customer_id, decision", "GET", "/v1/decisions/0123456789abcdef0123456789abcdef?customer_id=a&customer_id=b", "", auth.RoleSite},
	}
	tok := f.token(t, "s1", time.Minute)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Authorization": "Bearer " + f.keys[tt.role]}
			if tt.role == "" {
				hdr["Authorization"] = "Bearer " + tok
			}
			resp, b := f.request(t, tt.method, tt.path, tt.body, hdr)
			if resp.StatusCode != 400 || errorOf(t, b).Code != "invalid" {
				t.Errorf("%d %s, want 400", resp.StatusCode, b)
			}
		})
	}
	_, b := f.send(t, "GET", "/v1/customers/s1/consent", "", nil)
	if scopeOf(decodeConsentBody(t, b), "browsing").Effective != "granted" {
		t.Error("a refused consent body changed the consent")
	}
	if st, _ := f.store.ReadState(t.Context(), "s1", f.consent.Request(false), features.ReadOptions{}); st.Declared == nil || len(st.Declared.Categories) != 1 || st.Declared.Categories[0] != "books" {
		t.Errorf("a refused profile body changed the profile: %+v", st.Declared)
	}
	if code, b := f.marketer(t, "GET", "/v1/rulesets/default/draft", ""); code != 404 {
		t.Errorf("a refused draft was saved: %d %s", code, b)
	}
}

// If-Match: * matches any existing record (RFC 9110), and the Bearer scheme
// is case-insensitive (RFC 7235).
func TestIfMatchStarAndBearerCase(t *testing.T) {
	f := newFixture(t)
	star := map[string]string{"If-Match": "*"}
	if resp, b := f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"basic"}`, star); resp.StatusCode != 409 {
		t.Errorf("If-Match: * without a record: %d %s, want 409", resp.StatusCode, b)
	}
	f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"basic"}`, nil)
	if resp, b := f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"full"}`, star); resp.StatusCode != 200 {
		t.Errorf("If-Match: * on an existing record: %d %s, want 200", resp.StatusCode, b)
	}
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		resp, b := f.request(t, "GET", "/v1/whoami", "", map[string]string{"Authorization": scheme + " " + f.keys[auth.RoleSite]})
		if resp.StatusCode != 200 {
			t.Errorf("scheme %q: %d %s", scheme, resp.StatusCode, b)
		}
	}
}
