package actions

import (
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/versioned"
)

// Problem is one reason a catalog cannot be published, in the style of
// rules.Problem.
type Problem struct {
	ActionID string    `json:"action_id,omitempty"` // "" for the catalog as a whole
	Field    string    `json:"field"`               // the JSON field, e.g. "when" or "caps.period"
	Pos      rules.Pos `json:"pos,omitzero"`        // within the condition, for "when"
	Message  string    `json:"message"`
}

// String renders the problem for messages: `action a1, when 1:9: ...`.
func (p Problem) String() string {
	return versioned.Describe("action", p.ActionID, p.Field, p.Pos, p.Message)
}

// Problems is every problem of one catalog. Validate returns it wrapped in
// an EInvalid *candor.Error whose message lists them all; use errors.As to
// get the list.
type Problems = versioned.Problems[Problem]
