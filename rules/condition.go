package rules

import (
	"fmt"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
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
