package rules

import (
	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/consent"
)

// ActionCondition is a compiled eligibility condition of a next-best-action
// (package actions). It is written in the rules' expression language,
// compiled against the same Env with the same guard rails, but it may not
// read the item: an action is chosen per customer, not per candidate item.
// It is immutable and safe for concurrent use.
type ActionCondition struct {
	progs []program
	sets  []consent.Scope
}

// CompileActionCondition compiles src, an action's `when`. An empty src is
// nil and no problems: it always holds. Problems have Field "when" and the
// position in src; RuleID is left for the caller. Refused, besides what
// Validate refuses in rules: any read of item.* and, named as such, of
// item.sensitive (no targeting with sensitive data).
func CompileActionCondition(src string) (*ActionCondition, []Problem) {
	c, eps := compileCondition(src)
	var probs []Problem
	for _, p := range eps {
		probs = append(probs, Problem{Field: "when", Pos: p.pos, Message: p.msg})
	}
	switch {
	case len(probs) > 0:
		return nil, probs
	case c.sensitive:
		return nil, []Problem{{Field: "when", Message: "conditions on sensitive data are refused: item.sensitive may not target an action"}}
	case len(c.item) > 0 || len(c.mixed) > 0 || len(c.compare) > 0:
		return nil, []Problem{{Field: "when", Message: "an action's condition cannot read item fields; use customer.* and context.hour or context.weekday"}}
	case src == "":
		return nil, nil
	}
	return &ActionCondition{progs: c.request, sets: c.sets}, nil
}

// Sets returns the customer feature sets the condition reads; the action
// needs each granted. Nil for a nil condition.
func (c *ActionCondition) Sets() []consent.Scope {
	if c == nil {
		return nil
	}
	return c.sets
}

// ActionEnv evaluates action conditions for one request: the request's
// context and granted customer facts are set once, then each condition runs
// against them, all within one budget of DefaultBudget operations. Not
// safe for concurrent use; make one per request.
type ActionEnv struct {
	v   vm.VM
	env Env
	m   meter
}

// NewActionEnv returns an evaluator for req (see NewRequest). Facts of sets
// req.Grant lacks are left zero, as for rules.
func NewActionEnv(req *Request) *ActionEnv {
	e := &ActionEnv{m: meter{limit: budgetOf(req.Budget)}}
	e.env.setRequest(req)
	return e
}

// Holds reports whether c holds; a nil condition always does. A run-time
// error counts as false, and so does every condition once the budget has
// run out (see OverBudget). It does not check that c's sets are granted:
// the caller must, to name the missing consent.
func (e *ActionEnv) Holds(c *ActionCondition) bool {
	if c == nil {
		return true
	}
	ok, _ := e.m.holds(&e.v, &e.env, 0, c.progs)
	return ok
}

// OverBudget reports whether a condition was refused because the
// request's budget had run out.
func (e *ActionEnv) OverBudget() bool { return e.m.over }
