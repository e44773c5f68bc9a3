package rules

import (
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm/runtime"
)

// comparison is a conjunct that reads the item and the request through
// one operator: `item.brand in customer.declared.favourite_brands`,
// `item.category == context.category`, or their negations. Each side is
// compiled alone, so the item side runs once per item (its value cached
// in facts) and the request side once per request; only the operator runs
// per candidate, natively.
type comparison struct {
	item, request program
	op            string // "==", "!=" or "in"
	itemLeft      bool   // the item side is the left operand
	negate        bool   // under `not` / `!`
	slot          int    // index of the values in facts.values and run.values
}

// asComparison returns n as a comparison when it has that shape.
func asComparison(src string, n ast.Node, tree *parser.Tree, lim *limiter) (comparison, bool) {
	var c comparison
	if u, ok := n.(*ast.UnaryNode); ok && (u.Operator == "not" || u.Operator == "!") {
		c.negate = true
		n = u.Node
	}
	b, ok := n.(*ast.BinaryNode)
	if !ok || !slices.Contains([]string{"==", "!=", "in"}, b.Operator) {
		return c, false
	}
	l, r := analyze(src, b.Left), analyze(src, b.Right)
	switch {
	case l.item && !l.request && !r.item:
		c.itemLeft = true
	case r.item && !r.request && !l.item:
	default:
		return c, false
	}
	itemSide, reqSide := b.Right, b.Left
	if c.itemLeft {
		itemSide, reqSide = b.Left, b.Right
	}
	cfg := exprConfig(false)
	ip, err1 := compiler.Compile(&parser.Tree{Node: itemSide, Source: tree.Source}, cfg)
	rp, err2 := compiler.Compile(&parser.Tree{Node: reqSide, Source: tree.Source}, cfg)
	c.item, c.request = program{p: ip, base: lim.base(itemSide)}, program{p: rp, base: lim.base(reqSide)}
	c.op = b.Operator
	return c, err1 == nil && err2 == nil
}

// operand is the value of one side of a comparison. Strings and string
// lists, the usual case, are also kept unboxed so that comparing them
// needs no type switch.
type operand struct {
	kind  operandKind
	str   string
	list  []string
	boxed any
}

type operandKind uint8

const (
	operandBad    operandKind = iota // the evaluation failed
	operandString                    // str
	operandList                      // list
	operandOther                     // boxed only
)

// operandOf is the operand of a side's value.
func operandOf(out any) operand {
	switch x := out.(type) {
	case string:
		return operand{kind: operandString, str: x, boxed: out}
	case []string:
		return operand{kind: operandList, list: x, boxed: out}
	}
	return operand{kind: operandOther, boxed: out}
}

// holds reports whether the comparison holds for the item side iv and the
// request side rv.
func (c *comparison) holds(iv, rv *operand) bool {
	if iv.kind == operandBad || rv.kind == operandBad {
		return false
	}
	l, r := rv, iv
	if c.itemLeft {
		l, r = iv, rv
	}
	var ok bool
	switch {
	case c.op == "in" && l.kind == operandString && r.kind == operandList:
		ok = slices.Contains(r.list, l.str)
	case c.op == "in":
		ok = in(l.boxed, r.boxed)
	case l.kind == operandString && r.kind == operandString:
		ok = (l.str == r.str) == (c.op == "==")
	default:
		ok = equal(l.boxed, r.boxed) == (c.op == "==")
	}
	return ok != c.negate
}

func equal(a, b any) (ok bool) {
	if x, isStr := a.(string); isStr {
		y, isStr := b.(string)
		return isStr && x == y
	}
	defer recoverFalse(&ok)
	return runtime.Equal(a, b)
}

func in(needle, list any) (ok bool) {
	if l, isList := list.([]string); isList {
		s, isStr := needle.(string)
		return isStr && slices.Contains(l, s)
	}
	defer recoverFalse(&ok)
	return runtime.In(needle, list)
}

// recoverFalse turns a panic of the expression runtime into false.
func recoverFalse(ok *bool) {
	if recover() != nil {
		*ok = false
	}
}
