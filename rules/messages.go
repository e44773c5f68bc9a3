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
	if strings.HasPrefix(msg, "unrecognized character: ") && strings.ContainsAny(msg, "“”‘’„«»") {
		return "typographic quotes (“…”) do not quote text here: write \"acme\" or 'acme'", true
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
	head := runesBefore(src, from)
	before := strings.TrimRight(head, " \t\r\n")
	after := strings.TrimLeft(strings.TrimPrefix(src[len(head):], tok), " \t\r\n")
	switch {
	case tok == "=":
		return equalsHint(before, after)
	case tok == ">" && strings.HasSuffix(before, "<"):
		return "; for not equal, write !="
	case tok == ")" || tok == "]" || tok == "}":
		return closingHint(innermostOpen(before), tok)
	case tok == "AND" || tok == "OR" || tok == "NOT":
		return "; write " + strings.ToLower(tok) + " in small letters"
	}
	return ""
}

// equalsHint is the hint for an = out of place between before and after.
func equalsHint(before, after string) string {
	switch {
	case strings.HasSuffix(before, "!="):
		return "; for not equal, write !="
	case strings.HasSuffix(before, "=="):
		return "; for equal, write =="
	case strings.HasSuffix(before, "<") || strings.HasPrefix(after, "<"):
		return "; for less or equal, write <="
	case strings.HasSuffix(before, ">") || strings.HasPrefix(after, ">"):
		return "; for greater or equal, write >="
	}
	return "; to compare, write =="
}

// closers pairs each opening bracket with its closing one.
var closers = map[rune]string{'(': ")", '[': "]", '{': "}"}

// closingHint is the hint for a closing bracket tok out of place where
// open is the innermost bracket left open (0: none).
func closingHint(open rune, tok string) string {
	switch {
	case open == 0:
		return ": it closes a bracket that was not opened"
	case closers[open] == tok:
		return ": a value is missing before it"
	}
	return fmt.Sprintf(": the bracket open here is %q; close it with %s", string(open), closers[open])
}

// innermostOpen returns the innermost bracket src opens and does not
// close, outside quoted text, or 0.
func innermostOpen(src string) rune {
	var stack []rune
	quote, escaped := rune(0), false
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
		case closers[r] != "":
			stack = append(stack, r)
		case (r == ')' || r == ']' || r == '}') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return 0
	}
	return stack[len(stack)-1]
}

// envNames maps the Go types of Env to the names marketers write.
var envNames = []struct{ typ, name string }{
	{"rules.ItemEnv", "item"}, {"rules.ContextEnv", "context"}, {"rules.CustomerEnv", "customer"},
	{"rules.DeclaredEnv", "customer.declared"}, {"rules.LocationEnv", "customer.location"},
	{"rules.DemographicsEnv", "customer.demographics"}, {"rules.PurchasesEnv", "customer.purchases"},
	{"rules.Env", "a condition"},
}

// friendly rewrites expr's messages in the names of the rule language and
// lists the fields there are when one is unknown.
func friendly(msg string) string {
	if out, ok := checkerMessage(msg); ok {
		return out
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
	return typeInBrackets.ReplaceAllStringFunc(msg, func(t string) string {
		return "(" + typeName(typeInBrackets.FindStringSubmatch(t)[1]) + ")"
	})
}

// checkerMessage words the type checker's messages about values of the
// wrong kind, and unknown names; ok is false for any other message.
func checkerMessage(msg string) (_ string, ok bool) {
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		return "a condition must be true or false (e.g. item.price < 50), not " + typeName(got), true
	}
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok && name != "now" {
		return msg + unknownNameHint(name), true
	}
	for _, c := range checkerMessages {
		if m := c.re.FindStringSubmatch(msg); m != nil {
			args := make([]any, len(m)-1)
			for i, x := range m[1:] {
				args[i] = typeName(x)
			}
			return fmt.Sprintf(c.say, args...), true
		}
	}
	return msg, false
}

// checkerMessages are the type checker's messages about values of the
// wrong kind and their wording, which gets the message's parts (Go types
// named as typeName names them) in order; %[n]s picks part n.
var checkerMessages = []struct {
	re  *regexp.Regexp
	say string
}{
	{regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (.+) and (.+)\)$`), "%s does not work between %s and %s"},
	{regexp.MustCompile(`^invalid operation: (\S+) \(mismatched type (.+)\)$`), "%s does not work on %s"},
	{regexp.MustCompile(`^cannot use (.+) as argument \(type (.+)\) to call (\S+)\s*$`), "%[3]s takes %[2]s, not %[1]s"},
	{regexp.MustCompile(`^invalid argument for len \(type (.+)\)$`), "len takes a text, a list or a map, not %s"},
	{regexp.MustCompile(`^cannot use (.+) as type (.+) in array$`), "a list holds values of one kind, not both %[2]s and %[1]s"},
	{regexp.MustCompile(`^type (.+) has no method (.+)$`), "%s has no method %[2]s: functions take the value inside their brackets, as %[2]s(item.brand, …)"},
	{regexp.MustCompile(`^builtin (\S+) takes only array \(got (.+)\)$`), "%s takes a list, not %s"},
	{regexp.MustCompile(`^predicate should return boolean \(got (.+)\)$`), "the test inside the braces must be true or false (e.g. # == \"acme\"), not %s"},
	{regexp.MustCompile(`^non-bool expression \(type (.+)\) used as condition$`), "the value before ? must be true or false, not %s"},
}

// unknownNameHint is the hint for an unknown name: most are text
// written without quotes, or true, false and nil in another language's
// spelling.
func unknownNameHint(name string) string {
	switch strings.ToLower(name) {
	case "true", "false":
		return ": write " + strings.ToLower(name) + " in small letters"
	case "null", "none", "undefined":
		return ": for no value, write nil"
	}
	return fmt.Sprintf(": a text is written in quotes (%q); a name starts with item, context, customer or placement", name)
}

// fieldsOf lists the fields of each part of Env by its rule-language name.
var fieldsOf = map[string][]string{
	"item": tags(ItemEnv{}), "context": tags(ContextEnv{}), "customer": tags(CustomerEnv{}),
	"customer.declared": tags(DeclaredEnv{}), "customer.location": tags(LocationEnv{}),
	"customer.demographics": tags(DemographicsEnv{}), "customer.purchases": tags(PurchasesEnv{}),
	"a condition": tags(Env{}),
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

// typeInBrackets is a value's type in brackets, in a message of the
// type checker's not worded otherwise.
var typeInBrackets = regexp.MustCompile(`\((?:got|type) ([^()]+)\)`)

// noField is the type checker's message for a field asked of a value
// that is not one of Env's parts (which envNames names): a text, say.
var noField = regexp.MustCompile(`^type (.+) has no field (.+)$`)

// typeNames are the rule language's names of the Go types of conditions'
// values.
var typeNames = map[string]string{
	"[]uint8": "bytes", "[]string": "a list of texts", "[]interface {}": "a list",
	"map[string]string": "a map of texts", "map[string]interface {}": "a map",
	"float64": "a number", "int": "a number", "string": "a text", "bool": "a true/false value",
}

// typeName names Go type t as the rule language does, or returns t.
func typeName(t string) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	for _, n := range envNames {
		if t == n.typ {
			return n.name + " (a group of fields)"
		}
	}
	return t
}
