package actions_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// TestConditionLimits: action conditions are held to the rules' limits of
// one condition, with a problem naming the action, the position and the
// limit.
func TestConditionLimits(t *testing.T) {
	for _, tt := range []struct{ when, msg string }{
		{`all(1..999999, {# > 0})`, "at most 1000 numbers"},
		{`len(repeat("a", 999999)) > 0`, "repeat is not available"},
		{`all(1..1000, {any(1..1000, {# > 0})})`, "at most 10000"},
	} {
		a := action("a")
		a.When = tt.when
		_, err := actions.Validate(actions.Catalog{Actions: []actions.Action{a}})
		msg := candor.ErrorMessage(err)
		if candor.ErrorCode(err) != candor.EInvalid || !strings.Contains(msg, "action a, when 1:") || !strings.Contains(msg, tt.msg) {
			t.Errorf("%s: %v, want a problem of action a with a position mentioning %q", tt.when, err, tt.msg)
		}
	}
}

// TestDecisionBudget: the conditions of one decision share one budget;
// past it the remaining actions are suppressed for "budget", not called
// ineligible.
func TestDecisionBudget(t *testing.T) {
	var as []actions.Action
	for i := range 20 {
		a := action(fmt.Sprintf("a%02d", i))
		a.When = `all(1..1000, {# > 0}) and customer.location.country == "DE"`
		as = append(as, a)
	}
	d := engine(t, as...).Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, N: 20, Now: now})
	reasons := map[string]int{}
	for _, s := range d.Suppressed {
		reasons[s.Reason]++
	}
	if len(d.Actions) == 0 || reasons[actions.ReasonBudget] == 0 || reasons[actions.ReasonConditionFalse] != 0 {
		t.Errorf("%d actions, suppressed %v: want some decided, the rest suppressed for the budget (%d operations)", len(d.Actions), reasons, rules.DefaultBudget)
	}
}

// TestSimulateContext: a simulation stops when its context ends.
func TestSimulateContext(t *testing.T) {
	e := engine(t, action("a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.SimulateContext(ctx, []*features.State{stateWith(full, false)}, consent.Email, actions.Request{Now: now})
	if candor.ErrorCode(err) != candor.EUnavailable {
		t.Errorf("SimulateContext after cancel: %v, want unavailable", err)
	}
}
