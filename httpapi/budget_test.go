package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/versioned"
)

// TestRefusedRulesListEveryProblem: the rules are refused with a
// 400 in the error shape, each problem with its rule ID and position.
func TestRefusedRulesListEveryProblem(t *testing.T) {
	f := newFixture(t)
	draft := `{"rules":[
		{"id":"dos1","when":"all(1..999999, {# > 0}) or item.price < 0","action":{"type":"filter"}},
		{"id":"mem","when":"len(repeat(\"` + strings.Repeat("a", 1000) + `\", 999999)) > 0 or item.price < 0","action":{"type":"filter"}},
		{"id":"live","when":"all(1..20000, {# > 0}) or item.price < context.hour","action":{"type":"boost","factor":2}},
		{"id":"nested","when":"any(1..1000, {all(1..1000, {# > 0})})","action":{"type":"filter"}}]}`
	if code, b := f.marketer(t, "PUT", "/v1/rulesets/dos1/draft", draft); code != 200 {
		t.Fatalf("PUT draft: %d %s", code, b)
	}
	for _, path := range []string{"/v1/rulesets/dos1/validate", "/v1/rulesets/dos1/publish"} {
		code, b := f.marketer(t, "POST", path, "")
		e := errorOf(t, b)
		if code != 400 || e.Code != candor.EInvalid || len(e.Problems) != 4 {
			t.Fatalf("%s: %d %s, want 400 with four problems", path, code, b)
		}
		for i, id := range []string{"dos1", "mem", "live", "nested"} {
			if p := e.Problems[i]; p.RuleID != id || p.Field != "when" || p.Pos.Line != 1 || p.Pos.Column == 0 || p.Message == "" {
				t.Errorf("%s: problem %d = %+v, want rule %s with a position", path, i, p, id)
			}
		}
	}
}

// TestCostlyRulesetRefusedAtPublish: the live rule, with a range
// small enough to compile, is refused at publish for its cost estimate;
// validate says so, and a preview shows the estimate and the measured
// cost per rule.
func TestCostlyRulesetRefusedAtPublish(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"full"}`, nil)
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[
		{"id":"toys","when":"item.category == \"toys\"","action":{"type":"boost","add":10}},
		{"id":"costly","when":"all(1..1000, {# > 0}) or item.price < context.hour","action":{"type":"boost","factor":2}}]}`)
	code, b := f.marketer(t, "POST", "/v1/rulesets/default/publish", "")
	if e := errorOf(t, b); code != 400 || len(e.Problems) != 1 || e.Problems[0].RuleID != "costly" || !strings.Contains(e.Problems[0].Message, "operations per request") {
		t.Fatalf("publish: %d %s, want 400 naming the costly rule's cost", code, b)
	}
	code, b = f.marketer(t, "POST", "/v1/rulesets/default/preview", `{"customers":["m1"],"n":5}`)
	var pv struct {
		Warnings []rules.Warning `json:"warnings"`
		Cost     struct {
			Estimate rules.Estimate `json:"estimate"`
			Measured rules.Measured `json:"measured"`
		} `json:"cost"`
	}
	if err := json.Unmarshal(b, &pv); code != 200 || err != nil {
		t.Fatalf("preview: %d %s", code, b)
	}
	if len(pv.Cost.Estimate.Rules) != 2 || pv.Cost.Estimate.PerRequest <= rules.DefaultBudget || pv.Cost.Measured.Requests != 1 ||
		len(pv.Cost.Measured.Rules) != 2 || pv.Cost.Measured.Rules[1].PerRequest == 0 || len(pv.Warnings) == 0 {
		t.Errorf("preview cost %+v, warnings %+v", pv.Cost, pv.Warnings)
	}
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[{"id":"toys","when":"item.category == \"toys\"","action":{"type":"boost","add":10}}]}`)
	code, b = f.marketer(t, "POST", "/v1/rulesets/default/validate", "")
	var v validateResponse
	if err := json.Unmarshal(b, &v); code != 200 || err != nil || !v.Valid || v.Cost == nil || v.Cost.Budget != rules.DefaultBudget || len(v.Cost.Rules) != 1 {
		t.Errorf("validate: %d %s", code, b)
	}
}

// TestOverBudgetLiveRuleset: a live ruleset over its budget (published
// before the limits, straight to the store) still serves every
// recommendation, which says which rules were cut, and the metric counts.
// publishCostlyRuleset makes live, as version 1 of "default", a rule whose
// condition takes more than a request's budget of operations.
func (f *fixture) publishCostlyRuleset(t *testing.T) {
	t.Helper()
	rs := rules.Ruleset{Name: "default", Version: 1, Rules: []rules.Rule{
		{ID: "costly", When: `all(1..1000, {# > 0}) or item.price < context.hour`, Action: rules.Action{Type: rules.ActionBoost, Factor: 2}}}}
	body, _ := json.Marshal(rs)
	if err := f.store.PublishDoc(context.Background(), versioned.Ref{Kind: rules.Kind, Name: "default"}, 1, body, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.rulesLive.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOverBudgetLiveRuleset(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.send(t, "PUT", "/v1/customers/m1/consent", `{"preset":"full"}`, nil)
	f.publishCostlyRuleset(t)
	r := f.recs(t, "customer_id=m1&n=5")
	if r.RulesetVersion != 1 || len(r.Items) != 5 || !strings.Contains(strings.Join(r.Warnings, " "), "costly were not fully applied") {
		t.Errorf("recommendation with version %d, %d items, warnings %q", r.RulesetVersion, len(r.Items), r.Warnings)
	}
	_, m := f.do(t, "GET", "/metrics", "", "")
	if !strings.Contains(string(m), "candor_rules_over_budget_total") || strings.Contains(string(m), "candor_rules_over_budget_total 0\n") {
		t.Errorf("metrics do not count the request over budget")
	}
}

// TestActionProblemsListed: a refused action catalog lists its problems
// in the error body too, with action IDs and positions.
func TestActionProblemsListed(t *testing.T) {
	f := newFixture(t)
	f.marketer(t, "PUT", "/v1/actions", `{"actions":[{"id":"x","name":"X","type":"offer","channels":["email"],"value":1,"when":"all(1..999999, {# > 0})"}]}`)
	code, b := f.marketer(t, "POST", "/v1/actions/validate", "")
	if e := errorOf(t, b); code != 400 || len(e.Problems) != 1 || e.Problems[0].ActionID != "x" || e.Problems[0].Pos.Column == 0 {
		t.Errorf("validate: %d %s", code, b)
	}
}

// TestDeadline: work that outlived its context answers 503 and says why.
func TestDeadline(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	late, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	failed := errors.New("read failed")
	for _, tt := range []struct {
		name     string
		ctx      context.Context
		err      error
		code, in string
	}{
		{"in time", context.Background(), nil, "", ""},
		{"in time, failed", context.Background(), failed, candor.EInternal, ""},
		{"client gone", canceled, nil, candor.EUnavailable, "the client went away"},
		{"deadline", late, failed, candor.EUnavailable, "longer than 10s"},
	} {
		err := deadline(tt.ctx, tt.err, "preview")
		if candor.ErrorCode(err) != tt.code || !strings.Contains(candor.ErrorMessage(err), tt.in) {
			t.Errorf("%s: %v, want code %q mentioning %q", tt.name, err, tt.code, tt.in)
		}
	}
}
