package actions

import (
	"strings"

	"github.com/candorhq/candor/rules"
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
	return rules.Describe("action", p.ActionID, p.Field, p.Pos, p.Message)
}

// Problems is every problem of one catalog. Validate returns it wrapped in
// an EInvalid *candor.Error whose message lists them all; use errors.As to
// get the list.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// err returns nil for no problems, else an EInvalid *candor.Error that
// wraps ps and whose message lists them.
func (ps Problems) err() error {
	return rules.Invalid("action catalog", "actions.Validate", len(ps), ps)
}
