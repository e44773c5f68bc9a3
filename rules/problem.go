package rules

import (
	"github.com/candorhq/candor/versioned"
)

// Pos is a 1-based line and column in a rule's condition; zero when the
// problem is not in the condition.
type Pos = versioned.Pos

// Problem is one reason a ruleset cannot be published.
type Problem struct {
	RuleID  string `json:"rule_id,omitempty"` // "" for the ruleset as a whole
	Field   string `json:"field"`             // the JSON field, e.g. "when" or "action.factor"
	Pos     Pos    `json:"pos,omitzero"`      // within the condition, for "when"
	Message string `json:"message"`
}

// String renders the problem for messages: `rule r1, when 1:9: ...`.
func (p Problem) String() string {
	return versioned.Describe("rule", p.RuleID, p.Field, p.Pos, p.Message)
}

// Problems is every problem of one ruleset. Validate returns it wrapped in
// a *candor.Error with code EInvalid whose message lists them all; use
// errors.As to get the list.
type Problems = versioned.Problems[Problem]

// invalid returns nil for no problems, else the EInvalid error of a
// ruleset that wraps ps and lists them.
func invalid(ps Problems) error { return ps.Err("ruleset", "rules.Validate") }

// Warning is something that does not stop a publish but that the marketer
// should look at, such as a filter that would remove every candidate.
type Warning struct {
	RuleID  string `json:"rule_id,omitempty"`
	Message string `json:"message"`
}
