package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
)

// Compiled is a validated ruleset with its conditions compiled: what a
// server applies to every request. It is immutable and safe for concurrent
// use; a new version replaces it whole (see Live).
type Compiled struct {
	rs    Ruleset
	rules []compiledRule
	pins  []string // item IDs that pin rules name
	facts factCache
	// estimate is the cost estimate of a validated ruleset (Service.Check,
	// CompileDraft); profile measures a draft's cost in previews. Both are
	// nil for the live ruleset.
	estimate *Estimate
	profile  *Profile
}

// compiledRule is one rule ready to apply.
type compiledRule struct {
	Rule
	kind     actionKind
	cond     condition
	lookback time.Duration // exclude_purchased; 0 is no limit
}

// actionKind is the index of an action type in ActionTypes.
type actionKind uint8

const (
	kindFilter actionKind = iota
	kindBoost
	kindBury
	kindPin
	kindExcludePurchased
	kindDiversity
	kindLimit
	numKinds
)

// Empty returns the empty ruleset: version 0, no rules. Servers start with
// it until a version is published.
func Empty(name string) *Compiled { return &Compiled{rs: Ruleset{Name: name}} }

// Name returns the ruleset's name.
func (c *Compiled) Name() string { return c.rs.Name }

// Version returns the ruleset's version: 0 for a draft or the empty
// ruleset. Responses name it as the version that served them.
func (c *Compiled) Version() int { return c.rs.Version }

// Ruleset returns a copy of the ruleset c was compiled from.
func (c *Compiled) Ruleset() Ruleset {
	rs := c.rs
	rs.Rules = slices.Clone(rs.Rules)
	return rs
}

// Len returns the number of rules.
func (c *Compiled) Len() int { return len(c.rules) }

// Estimate returns the ruleset's cost estimate, worked out when the
// Service validated it; nil for a ruleset compiled otherwise.
func (c *Compiled) Estimate() *Estimate { return c.estimate }

// PinnedItems returns the item IDs that pin rules name. Apply can pin only
// candidates, so the scorer should add these to its candidate pool (where
// its own filters still apply: unavailable, purchased, not interested).
func (c *Compiled) PinnedItems() []string { return slices.Clone(c.pins) }

// index derives what Apply needs from the rules.
func (c *Compiled) index() {
	for i := range c.rules {
		r := &c.rules[i]
		if r.kind == kindPin && r.Action.ItemID != "" && !slices.Contains(c.pins, r.Action.ItemID) {
			c.pins = append(c.pins, r.Action.ItemID)
		}
		for k := range r.cond.compare {
			r.cond.compare[k].slot = c.facts.values
			c.facts.values++
		}
		c.facts.programs += len(r.cond.item)
		c.facts.diversity = c.facts.diversity || r.kind == kindDiversity
	}
}

// warnBudget bounds the operations the warnings of one validation may
// take: enough to run every filter of a large ruleset over a 500-item
// sample in each placement.
const warnBudget = 20 * DefaultBudget

// warnings flags rules that would filter every sample item in a placement,
// and schedules that are already over.
func (c *Compiled) warnings(sample []*catalog.Item, now time.Time) []Warning {
	var ws []Warning
	m := &meter{limit: warnBudget}
	for i, r := range c.rules {
		if r.Until != nil && !now.IsZero() && !now.Before(*r.Until) {
			ws = append(ws, Warning{RuleID: r.ID, Message: "its schedule ended at " + r.Until.Format(time.RFC3339) + "; it never applies"})
		}
		if len(r.cond.mixed) > 0 {
			ws = append(ws, Warning{RuleID: r.ID, Message: "its condition reads the item and the request together in a way that must run for every candidate " +
				"(about 0.2 µs each); a plain comparison such as item.brand in customer.declared.favourite_brands is much cheaper"})
		}
		if r.kind != kindFilter {
			continue
		}
		if r.When == "" {
			ws = append(ws, Warning{RuleID: r.ID, Message: "it has no condition, so it would filter every candidate"})
			continue
		}
		if p := c.filtersAll(i, sample, m); p != "" {
			ws = append(ws, Warning{RuleID: r.ID, Message: fmt.Sprintf("it would filter every candidate of the %d sample items for placement %s", len(sample), p)})
		}
	}
	if m.over {
		ws = append(ws, Warning{Message: fmt.Sprintf("not every filter was checked against the sample items: the check took more than its %d operations", warnBudget)})
	}
	return ws
}

// filtersAll returns the first placement for which rule i matches every
// sample item with no customer facts and no page context, or "". It
// counts its evaluations in m.
func (c *Compiled) filtersAll(i int, sample []*catalog.Item, m *meter) string {
	if len(sample) == 0 {
		return ""
	}
	r := &c.rules[i]
	var v vm.VM
	var env Env
	for _, p := range Placements {
		if len(r.Placements) > 0 && !slices.Contains(r.Placements, p) {
			continue
		}
		env.Placement, env.Context.Placement = p, p
		all := true
		for _, it := range sample {
			env.setItem(it, it.Sensitive)
			if !r.cond.holds(&v, &env, m, i) {
				all = false
				break
			}
		}
		if all && !m.over {
			return p
		}
	}
	return ""
}

// holds evaluates the whole condition of rule i against env, which must
// hold the item and the request, counting in m: for validation, not for
// the hot path.
func (c *condition) holds(v *vm.VM, env *Env, m *meter, i int) bool {
	for _, ps := range [][]program{c.item, c.request, c.mixed} {
		if ok, _ := m.holds(v, env, i, ps); !ok {
			return false
		}
	}
	for k := range c.compare {
		cmp := &c.compare[k]
		iv, rv := m.value(v, env, i, &cmp.item), m.value(v, env, i, &cmp.request)
		if !cmp.holds(&iv, &rv) {
			return false
		}
	}
	return true
}
