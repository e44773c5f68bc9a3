package versioned

import (
	"fmt"
	"strings"

	"github.com/candorhq/candor"
)

// Pos is a 1-based line and column in a condition; zero when a problem is
// not in a condition.
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

// Describe renders a problem of an item of a document (a rule, an action)
// for messages: "<kind> <id>, <field> <pos>: <message>"; the "<kind> <id>, "
// part is left out for the document as a whole.
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

// Problems is every problem of one document, each rendered by its String
// method. A refused document's error is an EInvalid *candor.Error that
// wraps its Problems (see Err); use errors.As to get the list.
type Problems[P fmt.Stringer] []P

// Error lists the problems, one per line.
func (ps Problems[P]) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// List returns the problems for an error body (see Lister).
func (ps Problems[P]) List() any { return []P(ps) }

// Err returns nil for no problems, else an EInvalid *candor.Error for op
// that wraps ps and whose message counts and lists them on one line:
// "the <what> has 2 problems: a; b".
func (ps Problems[P]) Err(what, op string) error {
	if len(ps) == 0 {
		return nil
	}
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	msg := fmt.Sprintf("the %s has %d %s: %s", what, len(ps), noun, strings.ReplaceAll(ps.Error(), "\n", "; "))
	return &candor.Error{Code: candor.EInvalid, Message: msg, Op: op, Err: ps}
}

// Lister is an error that lists the problems of a refused document, for
// tools; every Problems is one.
type Lister interface {
	error
	List() any
}
