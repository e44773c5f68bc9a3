package rules

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/candorhq/candor/consent"
)

// condition is one compiled Rule.When. Its top-level conjuncts (a and b
// and c) are compiled separately by what they read, so that applying a
// ruleset evaluates each as rarely as it can:
//
//   - item conjuncts read only the item: evaluated once per item and
//     ruleset, then cached (see facts);
//   - request conjuncts read no item: evaluated once per request;
//   - comparisons read both through one operator: see comparison;
//   - mixed conjuncts read both otherwise: evaluated per candidate.
type condition struct {
	item, request, mixed []program
	compare              []comparison
	sets                 []consent.Scope // customer feature sets read; each must be granted
	sensitive            bool            // reads item.sensitive
}

// exprProblem is a problem inside one condition.
type exprProblem struct {
	pos Pos
	msg string
}

// compileCondition parses src, checks it against the limits of one
// condition (see limits.go), type-checks and vets it, and compiles it with
// its loops instrumented. It never panics: a panic in the expression
// library becomes a problem.
func compileCondition(src string) (c condition, probs []exprProblem) {
	if src == "" {
		return condition{}, nil
	}
	if len(src) > MaxWhenLen {
		return condition{}, []exprProblem{{msg: fmt.Sprintf("a condition may be at most %d bytes, this one has %d", MaxWhenLen, len(src))}}
	}
	defer func() {
		if r := recover(); r != nil {
			c, probs = condition{}, []exprProblem{{msg: fmt.Sprintf("the condition could not be compiled: %v", r)}}
		}
	}()
	cfg := exprConfig(true)
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return condition{}, []exprProblem{fileProblem(src, err)}
	}
	lim := limit(src, tree.Node)
	if len(lim.problems) > 0 {
		return condition{}, lim.problems
	}
	if _, err := new(checker.Checker).PatchAndCheck(tree, cfg); err != nil {
		return condition{}, []exprProblem{fileProblem(src, err)}
	}
	r := analyze(src, tree.Node)
	if len(r.problems) > 0 {
		return condition{}, r.problems
	}
	lim.instrument()
	return compileConjuncts(src, tree, cfg, lim, r)
}

// compileConjuncts compiles each top-level conjunct of tree by what it
// reads.
func compileConjuncts(src string, tree *parser.Tree, cfg *conf.Config, lim *limiter, r refs) (condition, []exprProblem) {
	c := condition{sets: r.sets, sensitive: r.sensitive}
	for _, n := range conjuncts(tree.Node, nil) {
		p, err := compiler.Compile(&parser.Tree{Node: n, Source: tree.Source}, cfg)
		if err != nil {
			return condition{}, []exprProblem{fileProblem(src, err)}
		}
		prog := program{p: p, base: lim.base(n)}
		switch cr := analyze(src, n); {
		case cr.item && cr.request:
			if cmp, ok := asComparison(src, n, tree, lim); ok {
				c.compare = append(c.compare, cmp)
			} else {
				c.mixed = append(c.mixed, prog)
			}
		case cr.item:
			c.item = append(c.item, prog)
		default:
			c.request = append(c.request, prog)
		}
	}
	return c, nil
}

// exprConfig is the expr configuration every condition compiles with: the
// typed Env, a boolean result when asBool (not for the sides of a
// comparison), the refused builtins disabled (among them now(): time comes
// from the request, so that results can be cached per item and tested
// with a fixed clock), MaxNodes, and the $loop function that instrumented
// loops call.
func exprConfig(asBool bool) *conf.Config {
	cfg := conf.CreateNew()
	opts := []expr.Option{expr.Env(Env{}), expr.MaxNodes(MaxNodes), expr.Function(loopFunc, chargeLoop)}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	for name := range refusedBuiltins {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	for _, opt := range opts {
		opt(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	cfg.Check()
	return cfg
}

// conjuncts splits n at top-level `and` / `&&`.
func conjuncts(n ast.Node, out []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "and" || b.Operator == "&&") {
		return conjuncts(b.Right, conjuncts(b.Left, out))
	}
	return append(out, n)
}

// fileProblem turns an expr error into a positioned problem.
func fileProblem(src string, err error) exprProblem {
	var fe *file.Error
	if errors.As(err, &fe) {
		return exprProblem{pos: posAt(src, fe.From), msg: friendly(syntaxMessage(src, fe.From, fe.Message))}
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
// src, in runes. Other messages are returned as they are.
func syntaxMessage(src string, from int, msg string) string {
	switch msg {
	case "unexpected token EOF", "unexpected end of expression":
		return "the condition ends too soon: a value, a name or a closing bracket is missing at its end"
	case "literal not terminated":
		return "a quoted text is not closed: end it with the quote it starts with"
	}
	if strings.HasPrefix(msg, "a map key must be") {
		return "a key of a map ({key: value}) must be a quoted text, a number, a name or an expression in brackets"
	}
	m := unexpectedToken.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	tok, err := strconv.Unquote(m[2])
	if m[2] == "" {
		tok, err = "", nil
	}
	if err != nil {
		return msg
	}
	what := strconv.Quote(tok)
	if tok == "" {
		what = cmp.Or(tokenKinds[m[1]], "something")
	}
	return what + " is not expected here" + tokenHint(src, from, tok)
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
		return "a condition must be true or false (e.g. item.price < 50), not a " + got
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

// refs is what a condition (or one conjunct) reads.
type refs struct {
	item, request bool
	sets          []consent.Scope
	sensitive     bool
	problems      []exprProblem
}

// roots are the Env names that must be followed by a field, so that every
// read of the item and the customer is visible in the syntax tree: with
// `let c = customer; c.location.country` the guard rails could not see
// what is read.
var roots = map[string]string{
	"item":     "item.brand",
	"customer": "customer.location.country",
	"context":  "context.hour",
}

// analyze walks n and records what it reads.
func analyze(src string, n ast.Node) refs {
	var all collector
	ast.Walk(&n, &all)
	var r refs
	rooted := instrumented(all)
	for _, node := range all {
		if m, ok := node.(*ast.MemberNode); ok {
			r.member(m, rooted)
		}
	}
	for _, node := range all {
		id, ok := node.(*ast.IdentifierNode)
		if !ok {
			continue
		}
		switch example, isRoot := roots[id.Value]; {
		case rooted[id]:
		case id.Value == "$env":
			r.problems = append(r.problems, exprProblem{posAt(src, id.Location().From), "$env is not allowed; name fields directly, e.g. item.brand"})
		case isRoot && !rooted[id]:
			r.problems = append(r.problems, exprProblem{posAt(src, id.Location().From), fmt.Sprintf("%s must be followed by a field name, e.g. %s", id.Value, example)})
		case id.Value == "placement":
			r.request = true
		}
	}
	return r
}

// member records a read of root.field.
func (r *refs) member(m *ast.MemberNode, rooted map[*ast.IdentifierNode]bool) {
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok {
		return
	}
	if _, isRoot := roots[id.Value]; !isRoot {
		return
	}
	field, ok := m.Property.(*ast.StringNode)
	if !ok {
		return // item[x]: left unrooted, so reported
	}
	rooted[id] = true
	switch id.Value {
	case "item":
		r.item = true
		r.sensitive = r.sensitive || field.Value == "sensitive"
	case "context":
		r.request = true
	case "customer":
		r.request = true
		if s, ok := customerSets[field.Value]; ok && !slices.Contains(r.sets, s) {
			r.sets = append(r.sets, s)
		}
	}
}

// collector gathers every node of a tree.
type collector []ast.Node

// Visit records n.
func (c *collector) Visit(n *ast.Node) { *c = append(*c, *n) }
