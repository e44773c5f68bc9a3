package rules

import (
	"fmt"
	"math/bits"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// refusedBuiltins are the functions a condition may not call, and why:
// each can build values far larger than the condition (repeat, replace,
// join, the encoders), or reads outside the request (timezone). They are
// disabled in the expression configuration too.
var refusedBuiltins = map[string]string{
	"repeat":     "it builds strings of any size",
	"replace":    "it can multiply the size of a string",
	"split":      "it builds lists of any size",
	"splitAfter": "it builds lists of any size",
	"join":       "it can multiply the size of a string",
	"toJSON":     "it can multiply the size of a value",
	"fromJSON":   "it builds values of any size",
	"toBase64":   "it can multiply the size of a string",
	"fromBase64": "it is not needed by conditions",
	"timezone":   "it reads the time-zone database; use context.hour and context.weekday, which are in the request's time zone",
	"now":        "time comes from the request",
}

// opCost is what the compile-time analysis knows of one node.
type opCost struct {
	total int // operations at worst, lists of unknown length counted as AssumedListLen
	base  int // operations outside loops: what an evaluation costs before its loops run
	n     int // for a list: its length at most; -1 when unknown
}

// loop is one loop of a condition (a builtin with a predicate, such as
// all or map): run-time accounting charges each of its elements weight
// operations.
type loop struct {
	node   *ast.BuiltinNode
	weight int
}

// limiter checks a condition's syntax tree against the limits of one
// condition and computes its cost, remembering every node's.
type limiter struct {
	src      string
	problems []exprProblem
	loops    []loop
	costs    map[ast.Node]opCost
	worst    ast.Node // the loop that costs most
}

// limit walks the condition src parsed as root. Its problems are the
// limits the condition breaks; the result is the condition's cost.
func limit(src string, root ast.Node) *limiter {
	l := &limiter{src: src, costs: map[ast.Node]opCost{}}
	c := l.walk(root)
	if c.total > MaxEvalCost && len(l.problems) == 0 {
		at := root
		if l.worst != nil {
			at = l.worst
		}
		l.add(at, fmt.Sprintf("this condition may take about %d operations per evaluation (loops count their body once per element, lists of unknown length as %d); a condition may take at most %d",
			c.total, AssumedListLen, MaxEvalCost))
	}
	return l
}

func (l *limiter) add(n ast.Node, msg string) {
	l.problems = append(l.problems, exprProblem{pos: posAt(l.src, n.Location().From), msg: msg})
}

// base returns the operations one evaluation of n costs outside its loops.
func (l *limiter) base(n ast.Node) int { return l.costs[n].base + evalOverhead }

// walk returns the cost of n and records it.
func (l *limiter) walk(n ast.Node) opCost {
	if n == nil {
		return opCost{n: -1}
	}
	var c opCost
	switch x := n.(type) {
	case *ast.BuiltinNode:
		c = l.builtin(x)
	case *ast.BinaryNode:
		c = l.binary(x)
	case *ast.CallNode:
		c = l.call(x)
	case *ast.VariableDeclaratorNode:
		l.add(x, "variables (let) are not available in conditions; write the expression where it is used")
		c = l.sum(x.Value, x.Expr)
	case *ast.IdentifierNode:
		if strings.HasPrefix(x.Value, "$") && x.Value != "$env" {
			l.add(x, fmt.Sprintf("%s is not a name conditions may use", clip(x.Value)))
		}
		c = opCost{total: 1, base: 1, n: -1}
	case *ast.ArrayNode:
		c = l.sum(x.Nodes...)
		c.n = len(x.Nodes)
	default:
		c = l.sum(children(n)...)
	}
	l.costs[n] = c
	return c
}

// sum is the cost of a node whose children are kids.
func (l *limiter) sum(kids ...ast.Node) opCost {
	c := opCost{total: 1, base: 1, n: -1}
	for _, k := range kids {
		kc := l.walk(k)
		c.total, c.base = sat(c.total+kc.total), sat(c.base+kc.base)
	}
	return c
}

// call refuses the functions conditions may not use.
func (l *limiter) call(x *ast.CallNode) opCost {
	if id, ok := x.Callee.(*ast.IdentifierNode); ok {
		if why, refused := refusedBuiltins[id.Value]; refused && id.Value != "now" {
			l.add(x, fmt.Sprintf("%s is not available in conditions: %s", id.Value, why))
		}
	}
	return l.sum(append([]ast.Node{x.Callee}, x.Arguments...)...)
}

// binary checks ranges and regular expressions.
func (l *limiter) binary(x *ast.BinaryNode) opCost {
	switch x.Operator {
	case "..":
		c := l.sum(x.Left, x.Right)
		lo, okL := intLiteral(x.Left)
		hi, okR := intLiteral(x.Right)
		if !okL || !okR {
			l.add(x, "a range needs whole numbers written out at both ends (e.g. 1..10), not computed ones")
			return c
		}
		size := max(hi-lo+1, 0)
		if size > MaxRange {
			l.add(x, fmt.Sprintf("a range may hold at most %d numbers; %d..%d holds %d", MaxRange, lo, hi, size))
		}
		c.n = int(min(size, MaxRange+1))
		c.total, c.base = sat(c.total+c.n), sat(c.base+c.n)
		return c
	case "matches":
		if _, ok := x.Right.(*ast.StringNode); !ok {
			l.add(x, "the pattern of matches must be a string written out, e.g. item.brand matches \"^acme\"")
		}
	}
	return l.sum(x.Left, x.Right)
}

// builtin costs a builtin; one with a predicate is a loop.
func (l *limiter) builtin(x *ast.BuiltinNode) opCost {
	if x.Name == "reduce" {
		l.add(x, "reduce is not available in conditions: its accumulator can grow without bound; use all, any, count, sum, filter or map")
	}
	var pred *ast.PredicateNode
	if len(x.Arguments) > 1 {
		pred, _ = x.Arguments[1].(*ast.PredicateNode)
	}
	if pred == nil {
		c := l.sum(x.Arguments...)
		if len(x.Arguments) > 0 && keepsLength[x.Name] {
			c.n = l.costs[x.Arguments[0]].n
		}
		return c
	}
	coll := l.walk(x.Arguments[0])
	body := l.walk(pred.Node)
	l.costs[pred] = body
	rest := l.sum(x.Arguments[2:]...)
	n := coll.n
	if n < 0 {
		n = AssumedListLen
	}
	extra := loopStep
	if x.Name == "sortBy" {
		extra += bits.Len(uint(n)) // the sort's comparisons
	}
	l.loops = append(l.loops, loop{node: x, weight: body.base + extra})
	c := opCost{total: sat(coll.total + rest.total + n*(body.total+extra)), base: sat(1 + coll.base + rest.base), n: -1}
	if keepsLength[x.Name] {
		c.n = coll.n
	}
	if l.worst == nil || c.total > l.costs[l.worst].total {
		l.worst = x
	}
	return c
}

// loopStep is the operations a loop costs per element besides its body:
// fetching the element, counting and jumping back.
const loopStep = 3

// keepsLength lists builtins whose result is a list no longer than their
// first argument.
var keepsLength = map[string]bool{"map": true, "filter": true, "sortBy": true, "sort": true, "reverse": true, "uniq": true, "take": true}

// intLiteral returns the value of a whole-number literal, negated or not.
func intLiteral(n ast.Node) (int, bool) {
	neg := false
	if u, ok := n.(*ast.UnaryNode); ok && u.Operator == "-" {
		neg, n = true, u.Node
	}
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	if neg {
		return -i.Value, true
	}
	return i.Value, true
}

// sat caps a cost so that sums of large costs cannot overflow.
func sat(n int) int { return min(n, 1<<40) }

// children lists the nodes directly below n that the cost walk visits.
func children(n ast.Node) []ast.Node {
	switch x := n.(type) {
	case *ast.UnaryNode:
		return []ast.Node{x.Node}
	case *ast.ChainNode:
		return []ast.Node{x.Node}
	case *ast.MemberNode:
		return []ast.Node{x.Node, x.Property}
	case *ast.SliceNode:
		return []ast.Node{x.Node, x.From, x.To}
	case *ast.PredicateNode:
		return []ast.Node{x.Node}
	case *ast.ConditionalNode:
		return []ast.Node{x.Cond, x.Exp1, x.Exp2}
	case *ast.SequenceNode:
		return x.Nodes
	case *ast.MapNode:
		out := make([]ast.Node, len(x.Pairs))
		copy(out, x.Pairs)
		return out
	case *ast.PairNode:
		return []ast.Node{x.Key, x.Value}
	}
	return nil
}

// loopFunc is the function the compiled program calls on the list of each
// loop before the loop starts (see instrument and chargeLoop).
const loopFunc = "$loop"

// instrument makes every loop charge its elements: the list argument of
// each loop l found becomes $loop($env, list, weight), which returns the
// list unchanged. It runs after type checking, so the new nodes take the
// types of the nodes they wrap.
func (l *limiter) instrument() {
	intType := reflect.TypeOf(0)
	for _, lp := range l.loops {
		list := lp.node.Arguments[0]
		env := &ast.IdentifierNode{Value: "$env"}
		w := &ast.IntegerNode{Value: lp.weight}
		w.SetType(intType)
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: loopFunc}, Arguments: []ast.Node{env, list, w}}
		call.SetNature(*list.Nature())
		call.SetLocation(list.Location())
		lp.node.Arguments[0] = call
	}
}

// instrumented reports whether id is the $env argument of a $loop call
// that instrument added, which the guard rails must not mistake for the
// marketer's.
func instrumented(all []ast.Node) map[*ast.IdentifierNode]bool {
	out := map[*ast.IdentifierNode]bool{}
	for _, n := range all {
		c, ok := n.(*ast.CallNode)
		if !ok || len(c.Arguments) != 3 {
			continue
		}
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == loopFunc {
			if env, ok := c.Arguments[0].(*ast.IdentifierNode); ok {
				out[env] = true
			}
		}
	}
	return out
}
