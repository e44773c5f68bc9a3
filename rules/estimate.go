package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Estimate is what a ruleset is expected to cost, in operations, worked
// out when it is validated: each rule's conditions run on up to
// EstimateItems sample items for one request of a customer who granted
// every feature set, every conjunct evaluated as if the ones before it
// held and every rule as if it applied (the worst case), with the
// per-candidate costs scaled to EstimateCandidates. It is deterministic:
// the same ruleset and sample always give the same estimate.
type Estimate struct {
	Budget     int        `json:"budget"`      // the operations a request may take: DefaultBudget
	Candidates int        `json:"candidates"`  // the candidates per request assumed: EstimateCandidates
	PerRequest int        `json:"per_request"` // operations of one request at worst, with the item-only parts cached
	PerItem    int        `json:"per_item"`    // operations of every rule's item-only parts for one item (limit MaxItemCost)
	Rules      []RuleCost `json:"rules"`
	// Partial reports that the estimate stopped once it passed four times
	// a limit; the rules after that one are not listed.
	Partial bool `json:"partial,omitempty"`
}

// RuleCost is one rule's share of a cost.
type RuleCost struct {
	RuleID     string `json:"rule_id"`
	PerRequest int    `json:"per_request"`        // estimate: at worst; measured: the mean over the requests
	PerItem    int    `json:"per_item,omitempty"` // estimate: its item-only parts for one item
}

// estimateCost works out c's Estimate over sample (may be empty: synthetic
// items stand in) at now.
func (c *Compiled) estimateCost(sample []*catalog.Item, now time.Time) *Estimate {
	items := estimateItems(sample)
	req := estimateRequest(items, now)
	e := &Estimate{Budget: DefaultBudget, Candidates: EstimateCandidates, Rules: []RuleCost{}}
	var v vm.VM
	var env Env
	for i := range c.rules {
		if e.PerRequest > 4*DefaultBudget || e.PerItem > 4*MaxItemCost {
			e.Partial = true
			break
		}
		env.setRequest(&req)
		rc := c.rules[i].estimate(&v, &env, items)
		e.Rules = append(e.Rules, rc)
		e.PerRequest, e.PerItem = sat(e.PerRequest+rc.PerRequest), sat(e.PerItem+rc.PerItem)
	}
	return e
}

// estimate is the cost of one rule: its request-level parts once, its
// item-only parts per item, the rest per candidate.
func (r *compiledRule) estimate(v *vm.VM, env *Env, items []*catalog.Item) RuleCost {
	cond := &r.cond
	perReq := opsOf(v, env, cond.request)
	for k := range cond.compare {
		perReq += opsOf(v, env, []program{cond.compare[k].request})
	}
	var perItem, perCand int
	for _, it := range items {
		env.setItem(it, it.Sensitive)
		perItem += opsOf(v, env, cond.item)
		for k := range cond.compare {
			perItem += opsOf(v, env, []program{cond.compare[k].item})
		}
		perCand += opsOf(v, env, cond.mixed) + len(cond.compare)
	}
	return RuleCost{RuleID: r.ID, PerRequest: sat(perReq + perCand*EstimateCandidates/len(items)), PerItem: perItem / len(items)}
}

// opsOf runs every program in ps, whatever each returns, and adds up
// their operations.
func opsOf(v *vm.VM, env *Env, ps []program) int {
	n := 0
	for k := range ps {
		_, ops, _ := ps[k].run(v, env)
		n += ops
	}
	return n
}

// estimateItems returns up to EstimateItems items of sample, spread over
// it, or synthetic ones when sample is empty.
func estimateItems(sample []*catalog.Item) []*catalog.Item {
	if len(sample) == 0 {
		out := make([]*catalog.Item, EstimateItems)
		for i := range out {
			out[i] = &catalog.Item{ID: fmt.Sprintf("estimate-%d", i), Category: []string{"estimate"}, Brand: "estimate", Price: float64(i + 1), Available: true}
		}
		return out
	}
	out := make([]*catalog.Item, 0, min(len(sample), EstimateItems))
	for i := 0; i < len(sample) && len(out) < EstimateItems; i += max(1, len(sample)/EstimateItems) {
		out = append(out, sample[i])
	}
	return out
}

// estimateRequest is a request on the home page at now of a customer who
// granted every feature set, whose facts and page context are taken from
// items.
func estimateRequest(items []*catalog.Item, now time.Time) Request {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.FeatureSets {
		recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	var cats, brands, cart []string
	for _, it := range items {
		if c := it.TopCategory(); c != "" && len(cats) < 3 && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
		if it.Brand != "" && len(brands) < 3 && !slices.Contains(brands, it.Brand) {
			brands = append(brands, it.Brand)
		}
		if len(cart) < 3 {
			cart = append(cart, it.ID)
		}
	}
	req := Request{Placement: Placements[0], Now: now, ItemID: items[0].ID, Category: items[0].TopCategory(), Cart: cart,
		Grant:    consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1}).Grant(),
		Declared: &features.Declared{Categories: cats, Brands: brands, Sizes: []string{"M"}, PriceBand: "mid"},
		Location: &features.Location{Country: "DE", Region: "BE"}, Demographics: &features.Demographics{AgeBand: "25-34"}}
	return req
}

// problems are the limits the estimate breaks: one per rule over a limit
// alone, else one for the ruleset when only the sum is.
func (e *Estimate) problems() Problems {
	var ps Problems
	for _, rc := range e.Rules {
		if rc.PerRequest > e.Budget {
			ps = append(ps, Problem{RuleID: rc.RuleID, Field: "when", Message: fmt.Sprintf("its condition is estimated to take %d operations per request of %d candidates; "+
				"all rules of a request may take at most %d: make the part that reads both the item and the request cheaper "+
				"(a plain comparison such as item.brand in customer.declared.favourite_brands costs almost nothing)", rc.PerRequest, e.Candidates, e.Budget)})
		}
		if rc.PerItem > MaxItemCost {
			ps = append(ps, Problem{RuleID: rc.RuleID, Field: "when", Message: fmt.Sprintf("the parts of its condition that read only the item are estimated to take %d operations per item; "+
				"all rules may take at most %d per item", rc.PerItem, MaxItemCost)})
		}
	}
	if len(ps) > 0 {
		return ps
	}
	if e.PerRequest > e.Budget || e.Partial && e.PerRequest > 4*DefaultBudget {
		ps = append(ps, Problem{Field: "rules", Message: fmt.Sprintf("the rules are estimated to take %d operations per request of %d candidates (most: %s); a request's rules may take at most %d",
			e.PerRequest, e.Candidates, e.costliest(func(rc RuleCost) int { return rc.PerRequest }), e.Budget)})
	}
	if e.PerItem > MaxItemCost || e.Partial && e.PerItem > 4*MaxItemCost {
		ps = append(ps, Problem{Field: "rules", Message: fmt.Sprintf("the parts of the conditions that read only the item are estimated to take %d operations per item (most: %s); they may take at most %d",
			e.PerItem, e.costliest(func(rc RuleCost) int { return rc.PerItem }), MaxItemCost)})
	}
	return ps
}

// costliest names the three rules that cost most by cost.
func (e *Estimate) costliest(cost func(RuleCost) int) string {
	rs := slices.Clone(e.Rules)
	slices.SortStableFunc(rs, func(a, b RuleCost) int { return cost(b) - cost(a) })
	var s []string
	for _, rc := range rs[:min(3, len(rs))] {
		s = append(s, fmt.Sprintf("%s %d", rc.RuleID, cost(rc)))
	}
	return strings.Join(s, ", ")
}
