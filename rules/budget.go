package rules

import (
	"errors"
	"reflect"
	"sync/atomic"

	"github.com/expr-lang/expr/vm"
)

// program is one compiled piece of a condition with its cost outside
// loops; its loops charge their elements when they run (see chargeLoop).
type program struct {
	p    *vm.Program
	base int // operations an evaluation costs before its loops: evalOverhead + nodes
}

// run evaluates p against env and returns the operations it took. An
// evaluation past MaxEvalCost operations or MaxEvalMemory fails.
func (p *program) run(v *vm.VM, env *Env) (any, int, error) {
	env.ops = p.base
	v.MemoryBudget = MaxEvalMemory
	out, err := v.Run(p.p, env)
	return out, env.ops, err
}

var errEvalCost = errors.New("the condition took more than its operations budget")

// chargeLoop is $loop($env, list, weight), which instrument puts before
// every loop: it adds len(list) × weight to the evaluation's operations
// and fails the evaluation once they pass MaxEvalCost. It returns list.
func chargeLoop(params ...any) (any, error) {
	env, ok := params[0].(*Env)
	w, _ := params[2].(int)
	if !ok {
		return nil, errEvalCost
	}
	env.ops += length(params[1]) * w
	if env.ops > MaxEvalCost {
		return nil, errEvalCost
	}
	return params[1], nil
}

// length is the number of elements a loop over v visits.
func length(v any) int {
	switch x := v.(type) {
	case []int:
		return len(x)
	case []string:
		return len(x)
	case []any:
		return len(x)
	case nil:
		return 0
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return r.Len()
	}
	return 0
}

// meter counts the operations of one request's evaluations against its
// budget. A nil meter counts nothing and refuses nothing.
type meter struct {
	spent, limit int
	cut          bitset // rules with an evaluation refused for the budget
	over         bool
	perRule      []int // operations by rule, when profiling
}

// allow reports whether the budget has room for an evaluation of rule i,
// and records the rule as cut when not.
func (m *meter) allow(i int) bool {
	if m == nil || m.spent < m.limit {
		return true
	}
	m.over = true
	m.cut.set(i)
	return false
}

// add charges ops operations to rule i.
func (m *meter) add(i, ops int) {
	if m == nil {
		return
	}
	m.spent += ops
	if m.perRule != nil {
		m.perRule[i] += ops
	}
}

// holds reports whether every program in ps holds for env, charging rule
// i's operations to m. A run-time error counts as false and in errs; a
// budget with no room left counts as false and cuts the rule.
func (m *meter) holds(v *vm.VM, env *Env, i int, ps []program) (ok bool, errs int) {
	for k := range ps {
		if !m.allow(i) {
			return false, errs
		}
		out, ops, err := ps[k].run(v, env)
		m.add(i, ops)
		if err != nil {
			return false, errs + 1
		}
		if b, _ := out.(bool); !b {
			return false, errs
		}
	}
	return true, errs
}

// value evaluates one side of a comparison of rule i; an error or a
// refused evaluation is a bad operand, which no comparison holds for.
func (m *meter) value(v *vm.VM, env *Env, i int, p *program) operand {
	if !m.allow(i) {
		return operand{}
	}
	out, ops, err := p.run(v, env)
	m.add(i, ops)
	if err != nil {
		return operand{}
	}
	return operandOf(out)
}

// overBudget counts requests whose rules budget ran out.
var overBudget atomic.Uint64

// OverBudgetTotal returns how many Apply calls of this process ran out of
// their rules budget (Result.OverBudget), for the metric
// candor_rules_over_budget_total.
func OverBudgetTotal() uint64 { return overBudget.Load() }

// cutForCost counts rules cut short by a request's budget (Result.Cut).
var cutForCost atomic.Uint64

// SkippedForCostTotal returns how many rules this process's Apply calls
// did not apply, or not to every candidate, because the request's budget
// ran out (each rule of Result.Cut once per request), for the metric
// candor_rules_skipped_for_cost_total.
func SkippedForCostTotal() uint64 { return cutForCost.Load() }
