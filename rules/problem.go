package rules

import (
	"fmt"
	"strings"

	"github.com/candorhq/candor"
)

// Pos is a 1-based line and column in a rule's condition; zero when the
// problem is not in the condition.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// String renders p as "line:column", or "" for the zero Pos.
func (p Pos) String() string {
	if p == (Pos{}) {
		return ""
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}

// Problem is one reason a ruleset cannot be published.
type Problem struct {
	RuleID  string `json:"rule_id,omitempty"` // "" for the ruleset as a whole
	Field   string `json:"field"`             // the JSON field, e.g. "when" or "action.factor"
	Pos     Pos    `json:"pos,omitzero"`      // within the condition, for "when"
	Message string `json:"message"`
}

// String renders the problem for messages: `rule r1, when 1:9: ...`.
func (p Problem) String() string { return Describe("rule", p.RuleID, p.Field, p.Pos, p.Message) }

// Describe renders a problem of an item of a published document (a rule,
// an action) for messages: "<kind> <id>, <field> <pos>: <message>"; the
// "<kind> <id>, " part is left out for the document as a whole.
func Describe(kind, id, field string, pos Pos, message string) string {
	var b strings.Builder
	if id != "" {
		fmt.Fprintf(&b, "%s %s, ", kind, id)
	}
	b.WriteString(field)
	if s := pos.String(); s != "" {
		b.WriteString(" ")
		b.WriteString(s)
	}
	b.WriteString(": ")
	b.WriteString(message)
	return b.String()
}

// Problems is every problem of one ruleset. Validate returns it wrapped in
// a *candor.Error with code EInvalid whose message lists them all; use
// errors.As to get the list.
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
func (ps Problems) err() error { return Invalid("ruleset", "rules.Validate", len(ps), ps) }

// Invalid returns nil when n is 0, else an EInvalid *candor.Error for op
// that wraps problems and whose message counts and lists them on one line:
// "the <what> has 2 problems: a; b".
func Invalid(what, op string, n int, problems error) error {
	if n == 0 {
		return nil
	}
	noun := "problems"
	if n == 1 {
		noun = "problem"
	}
	msg := fmt.Sprintf("the %s has %d %s: %s", what, n, noun, strings.ReplaceAll(problems.Error(), "\n", "; "))
	return &candor.Error{Code: candor.EInvalid, Message: msg, Op: op, Err: problems}
}

// Warning is something that does not stop a publish but that the marketer
// should look at, such as a filter that would remove every candidate.
type Warning struct {
	RuleID  string `json:"rule_id,omitempty"`
	Message string `json:"message"`
}
