package rules

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/file"
)

// The wording of a condition's problems: expr's messages rewritten in the
// names of the rule language (item, a number, a text) rather than the
// library's and Go's (rules.ItemEnv, float64, Operator("=")).

// fileProblem turns an expr error into a positioned problem.
func fileProblem(src string, err error) exprProblem {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, ok := syntaxMessage(src, fe.From, fe.Message)
		if !ok { // not about the condition's shape: the checker's
			msg = friendly(msg)
		}
		return exprProblem{pos: posAt(src, fe.From), msg: msg}
	}
	return exprProblem{msg: friendly(clip(err.Error()))}
}

// unexpectedToken is the parser's message for a token out of place, as
// expr writes it: unexpected token Operator("=").
var unexpectedToken = regexp.MustCompile(`^unexpected token (\w+)(?:\((".*")\))?$`)

// tokenKinds names a token that has no text of its own (an empty quoted
// text) by its kind.
var tokenKinds = map[string]string{"String": "a quoted text", "Bytes": "a quoted text", "Number": "a number", "Identifier": "a name"}

// syntaxMessage rewrites the parser's messages about the shape of a
// condition, which name its tokens as the library does (EOF,
// Operator("=")), in words a marketer reads, with a hint for the slips
// people make most (see tokenHint). from is the problem's offset in
// src, in runes. ok is false for any other message, returned as it is.
func syntaxMessage(src string, from int, msg string) (_ string, ok bool) {
	switch msg {
	case "unexpected token EOF", "unexpected end of expression":
		return "the condition ends too soon: a value, a name or a closing bracket is missing at its end", true
	case "literal not terminated":
		return "a quoted text is not closed: end it with the quote it starts with", true
	}
	if strings.HasPrefix(msg, "a map key must be") {
		return "a key of a map ({key: value}) must be a quoted text, a number, a name or an expression in brackets", true
	}
	m := unexpectedToken.FindStringSubmatch(msg)
	if m == nil {
		return msg, false
	}
	tok, err := strconv.Unquote(m[2])
	if m[2] == "" {
		tok, err = "", nil
	}
	if err != nil {
		return msg, false
	}
	what := strconv.Quote(tok)
	if tok == "" {
		what = cmp.Or(tokenKinds[m[1]], "something")
	}
	return what + " is not expected here" + tokenHint(src, from, tok), true
}

// tokenHint is the hint for token tok out of place at rune offset from
// of src, for the slips people make most, or "".
func tokenHint(src string, from int, tok string) string {
	before := runesBefore(src, from)
	after := strings.TrimPrefix(src[len(before):], tok)
	switch {
	case tok == "=" && strings.HasPrefix(after, ">"):
		return "; for greater or equal, write >="
	case tok == "=" && strings.HasPrefix(after, "<"):
		return "; for less or equal, write <="
	case tok == "=":
		return "; to compare, write =="
	case tok == ">" && strings.HasSuffix(strings.TrimRight(before, " \t\r\n"), "<"):
		return "; for not equal, write !="
	case tok == ")" || tok == "]" || tok == "}":
		if openBrackets(before) > 0 {
			return ": a value is missing before it"
		}
		return ": it closes a bracket that was not opened"
	}
	return ""
}

// openBrackets counts the brackets src opens and does not close, outside
// quoted text.
func openBrackets(src string) int {
	depth, quote, escaped := 0, rune(0), false
	for _, r := range src {
		switch {
		case escaped:
			escaped = false
		case quote != 0 && r == '\\':
			escaped = true
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '(' || r == '[' || r == '{':
			depth++
		case r == ')' || r == ']' || r == '}':
			depth--
		}
	}
	return depth
}

// envNames maps the Go types of Env to the names marketers write.
var envNames = []struct{ typ, name string }{
	{"rules.ItemEnv", "item"}, {"rules.ContextEnv", "context"}, {"rules.CustomerEnv", "customer"},
	{"rules.DeclaredEnv", "customer.declared"}, {"rules.LocationEnv", "customer.location"},
	{"rules.DemographicsEnv", "customer.demographics"}, {"rules.Env", "a condition"},
}

// friendly rewrites expr's messages in the names of the rule language and
// lists the fields there are when one is unknown.
func friendly(msg string) string {
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		return "a condition must be true or false (e.g. item.price < 50), not " + typeName(got)
	}
	if m := mismatched.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s does not work between %s and %s", m[1], typeName(m[2]), typeName(m[3]))
	}
	if m := badArgument.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s takes %s, not %s", m[3], typeName(m[2]), typeName(m[1]))
	}
	if m := badLen.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("len takes a text, a list or a map, not %s", typeName(m[1]))
	}
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok && name != "now" {
		return msg + ": a name starts with item, context or customer (e.g. item.price)"
	}
	for _, n := range envNames {
		if !strings.Contains(msg, n.typ) {
			continue
		}
		msg = strings.ReplaceAll(strings.ReplaceAll(msg, "type "+n.typ, n.name), n.typ, n.name)
		if strings.Contains(msg, "has no field") {
			msg += "; its fields are " + strings.Join(fieldsOf[n.name], ", ")
		}
	}
	if m := noField.FindStringSubmatch(msg); m != nil {
		msg = typeName(m[1]) + " has no field " + m[2]
	}
	switch {
	case msg == "unknown name now":
		msg = "now() is not available: use context.hour, context.weekday, or the rule's from and until"
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		msg = fmt.Sprintf("a condition may have at most %d parts (names, values and operators)", MaxNodes)
	}
	return msg
}

// fieldsOf lists the fields of each part of Env by its rule-language name.
var fieldsOf = map[string][]string{
	"item": tags(ItemEnv{}), "context": tags(ContextEnv{}), "customer": tags(CustomerEnv{}),
	"customer.declared": tags(DeclaredEnv{}), "customer.location": tags(LocationEnv{}),
	"customer.demographics": tags(DemographicsEnv{}), "a condition": tags(Env{}),
}

// tags returns the expr names of v's fields.
func tags(v any) []string {
	t := reflect.TypeOf(v)
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("expr")
	}
	return out
}

// runesBefore returns the first n runes of src (expr's offsets count
// runes), or all of it.
func runesBefore(src string, n int) string {
	for i := range src {
		if n == 0 {
			return src[:i]
		}
		n--
	}
	return src
}

// posAt returns the 1-based line and column of the rune at offset from.
func posAt(src string, from int) Pos {
	p := Pos{Line: 1, Column: 1}
	i := 0
	for _, r := range src {
		if i == from {
			break
		}
		i++
		if r == '\n' {
			p.Line++
			p.Column = 1
		} else {
			p.Column++
		}
	}
	return p
}

// mismatched is the type checker's message for an operator between
// values it does not take.
var mismatched = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (.+) and (.+)\)$`)

// badArgument and badLen are the type checker's messages for a function
// called with a value it does not take.
var (
	badArgument = regexp.MustCompile(`^cannot use (.+) as argument \(type (.+)\) to call (\S+)\s*$`)
	badLen      = regexp.MustCompile(`^invalid argument for len \(type (.+)\)$`)
)

// noField is the type checker's message for a field asked of a value
// that is not one of Env's parts (which envNames names): a text, say.
var noField = regexp.MustCompile(`^type (.+) has no field (.+)$`)

// typeNames are the rule language's names of the Go types of conditions'
// values.
var typeNames = map[string]string{
	"[]uint8": "bytes", "[]string": "a list of texts", "[]interface {}": "a list",
	"map[string]string": "a map of texts", "map[string]interface {}": "a map",
	"float64": "a number", "int": "a number", "string": "a text", "bool": "true or false",
}

// typeName names Go type t as the rule language does, or returns t.
func typeName(t string) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return t
}
