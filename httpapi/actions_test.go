package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

const testActions = `{"actions":[
 {"id":"welcome","name":"Welcome offer","type":"offer","channels":["email"],"value":10,"weight":1,"category":"kitchen"},
 {"id":"tips","name":"Kitchen tips","type":"content","channels":["onsite"],"value":1,"weight":1,"category":"kitchen"}]}`

func TestNextBestActionsObeyChannelConsent(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	if code, b := f.marketer(t, "PUT", "/v1/actions", testActions); code != 200 {
		t.Fatalf("put actions: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/actions/publish", ""); code != 200 {
		t.Fatalf("publish: %d %s", code, b)
	}
	f.send(t, "PUT", "/v1/customers/e1/consent", `{"preset":"full"}`, nil) // no email opt-in
	f.send(t, "PUT", "/v1/customers/e2/consent", `{"preset":"full","scopes":{"email":"granted"}}`, nil)
	get := func(id string) map[string]any {
		resp, b := f.send(t, "GET", "/v1/customers/"+id+"/next-best-actions?channel=email", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", id, resp.StatusCode, b)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if _, leaked := m["suppressed"]; leaked && m["suppressed"] != nil {
			t.Errorf("the customer response lists suppressed actions: %s", b)
		}
		return m
	}
	if acts, _ := get("e1")["actions"].([]any); len(acts) != 0 {
		t.Errorf("an email action for a customer without email consent: %v", acts)
	}
	m := get("e2")
	acts, _ := m["actions"].([]any)
	if len(acts) != 1 || !strings.Contains(toJSON(acts[0]), `"welcome"`) || m["decision_id"] == "" {
		t.Errorf("e2: %v", m)
	}
	if resp, _ := f.send(t, "GET", "/v1/customers/e2/next-best-actions?channel=fax", "", nil); resp.StatusCode != 400 {
		t.Errorf("unknown channel: %d", resp.StatusCode)
	}
	code, b := f.marketer(t, "POST", "/v1/actions/simulate", `{"customers":["e1","e2"],"channel":"email"}`)
	if code != 200 || !strings.Contains(string(b), "welcome") {
		t.Errorf("simulate: %d %s", code, b)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
