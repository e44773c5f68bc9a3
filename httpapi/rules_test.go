package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/recommend"
)

func (f *fixture) marketer(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	resp, b := f.do(t, method, path, auth.RoleMarketer, body)
	return resp.StatusCode, b
}

func TestRulesLifecycle(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"m1","type":"purchase","item_id":"i000"}]`)

	// an invalid draft: every problem listed with rule ID and position
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[{"id":"a","when":"item.colour == 1","action":{"type":"boost","add":1}},{"id":"b","action":{"type":"zap"}}]}`)
	code, b := f.marketer(t, "POST", "/v1/rulesets/default/validate", "")
	e := errorOf(t, b)
	if code != 400 || len(e.Problems) != 2 || e.Problems[0].RuleID != "a" || e.Problems[0].Pos.Column == 0 || e.Problems[1].RuleID != "b" {
		t.Fatalf("validate: %d %s", code, b)
	}
	if code, _ := f.marketer(t, "POST", "/v1/rulesets/default/publish", ""); code != 400 {
		t.Errorf("publishing an invalid draft: %d", code)
	}
	if r := f.recs(t, "customer_id=m1"); r.RulesetVersion != 0 {
		t.Errorf("a refused publish changed the live version to %d", r.RulesetVersion)
	}

	// a valid draft: preview, publish, served at once, disclosed
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[{"id":"toys","when":"item.category == \"toys\"","action":{"type":"boost","add":10}}]}`)
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/preview", `{"customers":["m1","nobody","m1"],"n":5}`); code != 400 || !strings.Contains(string(b), `customers[2]: \"m1\" is also customers[0]`) {
		t.Errorf("preview with a customer twice: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/actions/simulate", `{"customers":["m1","m1"],"channel":"email"}`); code != 400 || !strings.Contains(string(b), "list each customer once") {
		t.Errorf("simulation with a customer twice: %d %s", code, b)
	}
	code, b = f.marketer(t, "POST", "/v1/rulesets/default/preview", `{"customers":["m1","nobody"],"n":5}`)
	var d recommend.RulesDiff
	_ = json.Unmarshal(b, &d)
	if code != 200 || d.Customers != 2 || d.Affected == 0 || len(d.Changes[0].Entered) == 0 {
		t.Fatalf("preview: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/publish", ""); code != 200 {
		t.Fatalf("publish: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/publish", ""); code != 409 || !strings.Contains(string(b), "is what version 1, the live one, holds: nothing to publish") {
		t.Errorf("publishing the live rules again: %d %s, want 409", code, b)
	}
	r := f.recs(t, "customer_id=m1&n=5")
	if r.RulesetVersion != 1 || r.Items[0].Category[0] != "toys" || !hasReason(r, recommend.KindPromoted) {
		t.Errorf("after publish: version %d, first %v", r.RulesetVersion, r.Items[0].Category)
	}

	// a second version, then roll back to the first
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[]}`)
	f.marketer(t, "POST", "/v1/rulesets/default/publish", "")
	if hasReason(f.recs(t, "customer_id=m1&n=5"), recommend.KindPromoted) {
		t.Error("the empty version still promotes")
	}
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/rollback", `{"version":0}`); code != 400 || !strings.Contains(string(b), "versions start at 1, got 0") {
		t.Errorf("rollback to version 0: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/rollback", `{"version":1}`); code != 200 {
		t.Fatalf("rollback: %d %s", code, b)
	}
	if !hasReason(f.recs(t, "customer_id=m1&n=5"), recommend.KindPromoted) {
		t.Error("rollback to version 1 is not served")
	}
	_, b = f.marketer(t, "GET", "/v1/rulesets/default/versions", "")
	_, audit := f.marketer(t, "GET", "/v1/audit", "")
	if !strings.Contains(string(b), `"version":3`) || strings.Count(string(audit), `"action"`) != 3 || !strings.Contains(string(audit), "rollback") {
		t.Errorf("versions %s\naudit %s", b, audit)
	}
	// every version's rules can be read: the live one (3, the rollback) is version 1's
	for v, want := range map[string]string{"1": `"id":"toys"`, "2": `"rules":[]`, "3": `"id":"toys"`} {
		if code, b := f.marketer(t, "GET", "/v1/rulesets/default/versions/"+v, ""); code != 200 || !strings.Contains(string(b), want) || !strings.Contains(string(b), `"version":`+v) {
			t.Errorf("version %s: %d %s, want %s", v, code, b, want)
		}
	}
	for path, code := range map[string]int{"/v1/rulesets/default/versions/4": 404, "/v1/rulesets/default/versions/0": 400, "/v1/rulesets/default/versions/x": 400, "/v1/rulesets/nosuch/versions/1": 404} {
		if got, b := f.marketer(t, "GET", path, ""); got != code {
			t.Errorf("GET %s: %d %s, want %d", path, got, b, code)
		}
	}
	if resp, _ := f.do(t, "GET", "/v1/rulesets/default/versions/1", auth.RoleSite, ""); resp.StatusCode != 403 {
		t.Errorf("a site key read a ruleset version: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/v1/rulesets/default/publish", auth.RoleSite, ""); resp.StatusCode != 403 {
		t.Errorf("a site key published: %d", resp.StatusCode)
	}
}

func TestRecommendationPreviewTrace(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/p1/consent", `{"preset":"none","scopes":{"purchases":"granted"}}`, nil)
	f.postEvents(t, `[{"customer_id":"p1","type":"purchase","item_id":"i000"}]`)
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[{"id":"no-toys","when":"item.category == \"toys\"","action":{"type":"filter"}}]}`)
	code, b := f.marketer(t, "POST", "/v1/recommendations/preview", `{"customer_id":"p1","n":5,"draft":"default"}`)
	var tr recommend.Trace
	_ = json.Unmarshal(b, &tr)
	if code != 200 || tr.Response == nil || len(tr.Removed) == 0 || len(tr.RuleEvents) == 0 {
		t.Fatalf("preview: %d %.400s", code, b)
	}
	for _, it := range tr.Response.Items {
		for _, r := range it.Reasons {
			if r.FeatureSet == "browsing" || r.FeatureSet == "declared" {
				t.Errorf("trace reveals a set the customer did not grant: %s", r.FeatureSet)
			}
		}
	}
	if code, b := f.marketer(t, "POST", "/v1/recommendations/preview", `{"profile":{"purchases":["i001"],"declared":{"categories":["books"]}},"n":30}`); code != 200 || !strings.Contains(string(b), `"declared_preference"`) {
		t.Errorf("synthetic profile: %d %.300s", code, b)
	}
	if code, _ := f.marketer(t, "POST", "/v1/recommendations/preview", `{"n":3}`); code != 400 {
		t.Errorf("no customer and no profile: %d", code)
	}
	resp, _ := f.send(t, "GET", "/v1/decisions/"+tr.Response.DecisionID, "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("a preview wrote a decision: %d", resp.StatusCode)
	}
}
