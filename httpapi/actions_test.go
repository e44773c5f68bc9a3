package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
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
	for query, want := range map[string]string{
		"channel=fax":         `unknown channel \"fax\"`,
		"chanel=email":        `unknown parameter \"chanel\": use channel, n`,
		"channel=email&foo=1": `unknown parameter \"foo\"`,
		"":                    `channel is required: channels are`,
		"channel=email&n=21":  `n must be a whole number from 1 to 20`,
	} {
		resp, b := f.send(t, "GET", "/v1/customers/e2/next-best-actions?"+query, "", nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Errorf("?%s: %d %s, want 400 saying %s", query, resp.StatusCode, b, want)
		}
	}
	code, b := f.marketer(t, "POST", "/v1/actions/simulate", `{"customers":["e1","e2"],"channel":"email"}`)
	if code != 200 || !strings.Contains(string(b), "welcome") {
		t.Errorf("simulate: %d %s", code, b)
	}
}

// The attack of issue 20: with Redis paused, recommendations fell back
// within 30 ms but next-best-actions answered 503 after 1.6 s. They read
// through the same budgeted gate now and answer with a labelled
// no_action.
func TestNextBestActionsFallBackWhenRedisIsPaused(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, testActions)
	f.send(t, "PUT", "/v1/customers/p1/consent", `{"preset":"full","scopes":{"email":"granted"}}`, nil)
	proxy := f.pausable(t)
	if got := f.nba(t, "p1", "email"); len(got) != 1 {
		t.Fatalf("before the pause: %+v", got)
	}
	proxy.Pause()
	defer proxy.Resume()
	for range 3 {
		resp, b := f.send(t, "GET", "/v1/customers/p1/next-best-actions?channel=email", "", nil)
		var out struct {
			Actions  []nbaAction        `json:"actions"`
			NoAction string             `json:"no_action"`
			Fallback recommend.Fallback `json:"fallback"`
		}
		_ = json.Unmarshal(b, &out)
		if resp.StatusCode != 200 || len(out.Actions) != 0 || out.NoAction != actions.NoneFallback || !out.Fallback.Active || out.Fallback.Reason == "" {
			t.Fatalf("next-best-actions with Redis paused: %d %s", resp.StatusCode, b)
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// nbaAction is the part of a next-best-action answer these tests read.
type nbaAction struct {
	ActionID string  `json:"action_id"`
	Score    float64 `json:"score"`
	Reasons  []struct {
		Kind         string  `json:"kind"`
		Contribution float64 `json:"contribution"`
	} `json:"reasons"`
}

func (f *fixture) nba(t *testing.T, id, channel string) []nbaAction {
	t.Helper()
	resp, b := f.send(t, "GET", "/v1/customers/"+id+"/next-best-actions?n=5&channel="+channel, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("next-best-actions for %s: %d %s", id, resp.StatusCode, b)
	}
	var out struct {
		Actions []nbaAction `json:"actions"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Actions
}

func (f *fixture) publishActions(t *testing.T, body string) {
	t.Helper()
	if code, b := f.marketer(t, "PUT", "/v1/actions", body); code != 200 {
		t.Fatalf("put actions: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/actions/publish", ""); code != 200 {
		t.Fatalf("publish actions: %d %s", code, b)
	}
}

// Impressions and clicks posted as events become each action's observed
// response rate, smoothed with the prior, and the answer's parts show it.
func TestObservedResponsesDriveArbitration(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, `{"actions":[
	 {"id":"liked","name":"Liked","type":"content","channels":["onsite"],"value":10,"weight":1},
	 {"id":"ignored","name":"Ignored","type":"content","channels":["onsite"],"value":10,"weight":1}]}`)
	for i := range 8 { // contacts are stored only for a granted channel
		f.send(t, "PUT", fmt.Sprintf("/v1/customers/r%d/consent", i), `{"preset":"basic"}`, nil)
	}
	var evs []string
	base := time.Now().Add(-time.Hour)
	for i := range 40 {
		c, ts := fmt.Sprintf("r%d", i%8), base.Add(time.Duration(i)*time.Second).Format(time.RFC3339)
		evs = append(evs, `{"customer_id":"`+c+`","type":"impression","action_id":"liked","channel":"onsite","ts":"`+ts+`"}`,
			`{"customer_id":"`+c+`","type":"impression","action_id":"ignored","channel":"onsite","ts":"`+ts+`"}`)
		if i < 20 {
			evs = append(evs, `{"customer_id":"`+c+`","type":"click","action_id":"liked","channel":"onsite","ts":"`+ts+`"}`)
		}
	}
	// the same batch again, as a client retrying after a timeout would: no
	// contact is stored twice, and nothing is counted twice
	evs = append(evs, evs...)
	r := f.postEvents(t, "["+strings.Join(evs, ",")+"]")
	for i, o := range r.Outcomes {
		if o.Status != features.Stored {
			t.Fatalf("event %d: %+v", i, o)
		}
	}
	if err := f.responses.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.send(t, "PUT", "/v1/customers/fresh/consent", `{"preset":"basic"}`, nil)
	got := f.nba(t, "fresh", "onsite")
	if len(got) != 2 || got[0].ActionID != "liked" {
		t.Fatalf("want liked before ignored, got %+v", got)
	}
	want := map[string]float64{"liked": (20.0 + 1) / (40 + 20) * 10, "ignored": (0.0 + 1) / (40 + 20) * 10}
	for _, a := range got {
		if len(a.Reasons) == 0 || a.Reasons[0].Kind != actions.KindResponseRate {
			t.Fatalf("%s: no response-rate part: %+v", a.ActionID, a)
		}
		if d := a.Reasons[0].Contribution - want[a.ActionID]; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: response-rate part %g, want %g", a.ActionID, a.Reasons[0].Contribution, want[a.ActionID])
		}
	}
}

func TestContactEventChannelIsValidated(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, `{"actions":[{"id":"a","name":"A","type":"offer","channels":["email"],"value":1,"weight":1}]}`)
	f.send(t, "PUT", "/v1/customers/c1/consent", `{"preset":"full","scopes":{"email":"granted"}}`, nil)
	r := f.postEvents(t, `[
	 {"customer_id":"c1","type":"impression","action_id":"a","channel":"email"},
	 {"customer_id":"c1","type":"impression","action_id":"a","channel":"fax"},
	 {"customer_id":"c1","type":"impression","action_id":"a","channel":"sms"},
	 {"customer_id":"c1","type":"impression","channel":"email","item_id":"`+f.model.IDs()[0]+`"},
	 {"customer_id":"c1","type":"dismiss","action_id":"bad id!"},
	 {"customer_id":"c1","type":"impression","action_id":"made-up"}]`)
	want := []string{features.Stored, features.Invalid, features.Invalid, features.Invalid, features.Invalid, features.Invalid}
	for i, o := range r.Outcomes {
		if o.Status != want[i] {
			t.Errorf("event %d: %+v, want %s", i, o, want[i])
		}
	}
	if !strings.Contains(r.Outcomes[1].Message, "unknown channel") {
		t.Errorf("message for an unknown channel: %q", r.Outcomes[1].Message)
	}
	// the attack of issue 20: an action_id outside the live catalog was
	// added as a field of actions:responses
	// a contact on a channel the action is not offered on would use up
	// that channel's contact limit
	if m := r.Outcomes[2].Message; !strings.Contains(m, `action "a" is not offered on sms; its channels are email`) {
		t.Errorf("message for a channel the action is not on: %q", m)
	}
	if !strings.Contains(r.Outcomes[5].Message, "not in the live action catalog") {
		t.Errorf("message for an unknown action: %q", r.Outcomes[5].Message)
	}
	if got, _ := f.store.ActionResponses(context.Background()); len(got) != 1 || got["a"].Impressions != 1 {
		t.Errorf("responses = %+v, want one impression of a", got)
	}
}

func TestActionCatalogVersionsRollbackAudit(t *testing.T) {
	f := newFixture(t)
	f.publishActions(t, testActions)
	f.publishActions(t, `{"actions":[{"id":"tips","name":"Kitchen tips","type":"content","channels":["onsite"],"value":2,"weight":1}]}`)
	code, b := f.marketer(t, "GET", "/v1/actions/versions", "")
	if code != 200 || strings.Count(string(b), `"version"`) != 2 || !strings.Contains(string(b), `{"version":2,`) {
		t.Fatalf("versions: %d %s", code, b)
	}
	if code, b := f.marketer(t, "GET", "/v1/actions/versions/1", ""); code != 200 || !strings.Contains(string(b), `"welcome"`) {
		t.Errorf("version 1: %d %s", code, b)
	}
	for path, want := range map[string]int{"/v1/actions/versions/x": 400, "/v1/actions/versions/9": 404, "/v1/actions/audit?limit=0": 400} {
		if code, b := f.marketer(t, "GET", path, ""); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, b, want)
		}
	}
	code, b = f.marketer(t, "POST", "/v1/actions/rollback", `{"version":1}`)
	if code != 200 || !strings.Contains(string(b), `"version":3`) || !strings.Contains(string(b), `"welcome"`) {
		t.Fatalf("rollback: %d %s", code, b)
	}
	if f.actionsLive.Load().Version() != 3 {
		t.Errorf("live version on this replica after rollback: %d", f.actionsLive.Load().Version())
	}
	if code, b := f.marketer(t, "POST", "/v1/actions/rollback", `{"version":3}`); code != 409 {
		t.Errorf("rollback to the live version: %d %s", code, b)
	}
	code, b = f.marketer(t, "GET", "/v1/actions/audit", "")
	var audit struct {
		Entries []actions.AuditEntry `json:"entries"`
	}
	if err := json.Unmarshal(b, &audit); code != 200 || err != nil || len(audit.Entries) != 3 {
		t.Fatalf("audit: %d %s", code, b)
	}
	if e := audit.Entries[0]; e.Action != actions.AuditRollback || e.RestoredFrom != 1 || e.Version != 3 || len(e.Diff.Added) != 1 {
		t.Errorf("newest audit entry: %+v", e)
	}
	if code, _ := f.do(t, "GET", "/v1/actions/audit", auth.RoleSite, ""); code.StatusCode != 403 {
		t.Errorf("a site key read the action audit: %d", code.StatusCode)
	}
	if code, b := f.marketer(t, "PUT", "/v1/actions", `{"actions":[{"id":"x","name":"X","type":"offer","channels":["fax"],"value":1}]}`); code != 200 {
		t.Fatalf("save an invalid draft: %d %s", code, b)
	}
	if code, b := f.marketer(t, "POST", "/v1/actions/validate", ""); code != 400 || !strings.Contains(string(b), "fax") {
		t.Errorf("validate an invalid draft: %d %s", code, b)
	}
}

// Concurrent senders delivering the same email action never exceed the
// channel's contact policy (2 per 7 days), and a withdrawal of the channel
// stops delivery on the next call.
func TestDeliverHoldsContactPolicyUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, `{"actions":[
	 {"id":"welcome","name":"Welcome","type":"offer","channels":["email"],"value":10,"weight":1},
	 {"id":"partner","name":"Partner deal","type":"offer","channels":["email"],"value":10,"weight":1,"shares_data":true}]}`)
	f.send(t, "PUT", "/v1/customers/d1/consent", `{"preset":"full","scopes":{"email":"granted","sale_share":"granted"}}`, nil)
	deliver := func(action string, hdr map[string]string) deliverResponse {
		resp, b := f.send(t, "POST", "/v1/customers/d1/actions/"+action+"/deliver", `{"channel":"email"}`, hdr)
		var out deliverResponse
		if err := json.Unmarshal(b, &out); resp.StatusCode != 200 || err != nil {
			t.Errorf("deliver %s: %d %s", action, resp.StatusCode, b)
		}
		return out
	}
	if got := deliver("partner", map[string]string{"Sec-GPC": "1"}); got.Delivered || got.Reason != actions.ReasonGPC {
		t.Errorf("a data-sharing action delivered under GPC: %+v", got)
	}
	results := make(chan deliverResponse, 10)
	for range 10 {
		go func() { results <- deliver("welcome", nil) }()
	}
	delivered := 0
	for range 10 {
		r := <-results
		if r.Delivered {
			delivered++
		} else if r.Reason != actions.ReasonContactPolicy {
			t.Errorf("refused for %q, want %s", r.Reason, actions.ReasonContactPolicy)
		}
	}
	if delivered != 2 {
		t.Errorf("%d concurrent deliveries got through an email policy of 2 per 7 days", delivered)
	}
	f.send(t, "PUT", "/v1/customers/d2/consent", `{"preset":"full","scopes":{"email":"granted"}}`, nil)
	f.send(t, "PUT", "/v1/customers/d2/consent", `{"scopes":{"email":"denied"}}`, nil)
	resp, b := f.send(t, "POST", "/v1/customers/d2/actions/welcome/deliver", `{"channel":"email"}`, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"delivered":false`) || !strings.Contains(string(b), actions.ReasonNoChannelConsent) {
		t.Errorf("delivery after withdrawing email: %d %s", resp.StatusCode, b)
	}
	for path, want := range map[string]int{"/v1/customers/d1/actions/nope/deliver": 404, "/v1/customers/d1/actions/bad%20id/deliver": 400} {
		if resp, b := f.send(t, "POST", path, `{"channel":"email"}`, nil); resp.StatusCode != want {
			t.Errorf("POST %s: %d %s, want %d", path, resp.StatusCode, b, want)
		}
	}
	if resp, _ := f.send(t, "POST", "/v1/customers/d1/actions/welcome/deliver", `{"channel":"fax"}`, nil); resp.StatusCode != 400 {
		t.Errorf("unknown channel: %d", resp.StatusCode)
	}
}

// TestActionWhyShowsTheAnswer: the why of an action is the chosen action
// exactly as the answer gave it (score parts, contacts, reasons,
// controls), to the customer's token and the site's key only; the
// dismiss control it offers holds the action back on the next decision.
func TestActionWhyShowsTheAnswer(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, `{"actions":[
	 {"id":"card","name":"Partner card","type":"offer","channels":["email"],"value":40,"shares_data":true,"when":"customer.location.country != \"\"",
	  "caps":{"max_per":3,"period":"7d","cooldown_after_dismiss":"30d"}},
	 {"id":"tips","name":"Tips","type":"content","channels":["email"],"value":1}]}`)
	f.send(t, "PUT", "/v1/customers/y1/consent", `{"preset":"full","scopes":{"email":"granted","sale_share":"granted"}}`, nil)
	f.send(t, "PUT", "/v1/customers/y1/features/location", `{"country":"DE"}`, nil)
	if code, b := f.send(t, "POST", "/v1/customers/y1/actions/card/deliver", `{"channel":"email"}`, nil); code.StatusCode != 200 || !strings.Contains(string(b), `"delivered":true`) {
		t.Fatalf("deliver: %d %s", code.StatusCode, b)
	}
	resp, b := f.send(t, "GET", "/v1/customers/y1/next-best-actions?channel=email&n=1", "", nil)
	var answer struct {
		DecisionID string            `json:"decision_id"`
		Time       string            `json:"time"`
		Actions    []json.RawMessage `json:"actions"`
	}
	if err := json.Unmarshal(b, &answer); err != nil || resp.StatusCode != 200 || len(answer.Actions) != 1 || answer.Time == "" {
		t.Fatalf("next-best-actions: %d %s", resp.StatusCode, b)
	}
	var chosen actions.Chosen
	_ = json.Unmarshal(answer.Actions[0], &chosen)
	if chosen.ActionID != "card" || chosen.Contacts.Shown != 1 || chosen.Contacts.Cap == nil || chosen.Contacts.ChannelShown != 1 || chosen.Parts.Value != 40 {
		t.Fatalf("chosen %s", answer.Actions[0])
	}
	tok := f.token(t, "y1", time.Minute)
	path := "/v1/me/decisions/" + answer.DecisionID + "/actions/card/why"
	code, wb := f.as(t, tok, "GET", path, "")
	var why actions.Why
	if err := json.Unmarshal(wb, &why); err != nil || code != 200 {
		t.Fatalf("why: %d %s", code, wb)
	}
	if !reflect.DeepEqual(why.Chosen, chosen) || why.ShownAt != answer.Time || !slices.Equal(why.UsedSets, []string{"location"}) {
		t.Errorf("why %s\nwant the answer's action %s", wb, answer.Actions[0])
	}
	for _, tc := range []struct {
		cred, path string
		want       int
	}{
		{f.keys[auth.RoleSite], "/v1/decisions/" + answer.DecisionID + "/actions/card/why?customer_id=y1", 200},
		{f.keys[auth.RoleSite], "/v1/decisions/" + answer.DecisionID + "/actions/tips/why?customer_id=y1", 404}, // not shown
		{f.keys[auth.RoleSite], "/v1/decisions/" + answer.DecisionID + "/actions/card/why?customer_id=other", 404},
		{f.token(t, "other", time.Minute), path, 404},
		{f.keys[auth.RoleMarketer], "/v1/decisions/" + answer.DecisionID + "/actions/card/why?customer_id=y1", 403},
		{tok, "/v1/me/decisions/" + answer.DecisionID + "/actions/bad%20id/why", 400},
	} {
		if code, b := f.as(t, tc.cred, "GET", tc.path, ""); code != tc.want {
			t.Errorf("GET %s: %d %s, want %d", tc.path, code, b, tc.want)
		}
	}

	var dismiss *recommend.Control
	for i, c := range why.Controls {
		if c.Kind == actions.ControlDismiss {
			dismiss = &why.Controls[i]
		}
	}
	if dismiss == nil {
		t.Fatalf("no dismiss control in %+v", why.Controls)
	}
	for _, tc := range []struct{ path, body string }{
		{"/v1/me/actions/nothing/dismiss", `{"channel":"email"}`},
		{dismiss.Path, `{"channel":"fax"}`},
		{dismiss.Path, `{"channel":"sms"}`}, // the action is not offered on sms
		{dismiss.Path, `{"channel":"email","extra":1}`},
	} {
		if code, b := f.as(t, tok, "POST", tc.path, tc.body); code != 400 {
			t.Errorf("POST %s %s: %d %s, want 400", tc.path, tc.body, code, b)
		}
	}
	if code, b := f.as(t, tok, dismiss.Method, dismiss.Path, toJSON(dismiss.Body)); code != 200 || !strings.Contains(string(b), `"status":"stored"`) {
		t.Fatalf("dismiss: %d %s", code, b)
	}
	if got := f.nba(t, "y1", "email"); len(got) != 1 || got[0].ActionID != "tips" {
		t.Errorf("after the dismissal: %+v, want only tips", got)
	}

	code, rb := f.marketer(t, "GET", "/v1/actions/responses", "")
	var rs struct {
		Actions map[string]struct {
			Impressions  int64   `json:"impressions"`
			ResponseRate float64 `json:"response_rate"`
		} `json:"actions"`
		Unobserved float64 `json:"unobserved_rate"`
	}
	if err := json.Unmarshal(rb, &rs); err != nil || code != 200 || rs.Actions["card"].Impressions != 1 ||
		rs.Actions["card"].ResponseRate != 1.0/21 || rs.Unobserved != 1.0/20 {
		t.Errorf("responses: %d %s", code, rb)
	}
	if resp, _ := f.send(t, "GET", "/v1/actions/responses", "", nil); resp.StatusCode != 403 {
		t.Errorf("responses with the site key: %d, want 403", resp.StatusCode)
	}
}
