package rules

import "sync"

// Profile measures what a compiled ruleset costs over the requests it is
// applied to: CompileDraft attaches one to the drafts it compiles, so that
// a preview reports each rule's measured cost on the sample customers.
type Profile struct {
	mu       sync.Mutex
	requests int
	over     int
	max      int
	perRule  []int // operations by rule, summed over the requests
}

// Measured is a ruleset's cost measured over the requests of a preview.
type Measured struct {
	Budget     int        `json:"budget"`      // the operations a request may take
	Requests   int        `json:"requests"`    // requests applied (a preview applies the draft once per customer)
	PerRequest int        `json:"per_request"` // operations of the costliest request
	OverBudget int        `json:"over_budget"` // requests whose budget ran out
	Rules      []RuleCost `json:"rules"`       // each rule's mean operations per request
}

// add records one request.
func (p *Profile) add(perRule []int, spent int, over bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	p.max = max(p.max, spent)
	if over {
		p.over++
	}
	if len(p.perRule) < len(perRule) {
		p.perRule = append(p.perRule, make([]int, len(perRule)-len(p.perRule))...)
	}
	for i, n := range perRule {
		p.perRule[i] += n
	}
}

// Measured returns what c cost over the requests it was applied to since
// it was compiled by CompileDraft; nil for a ruleset compiled otherwise.
func (c *Compiled) Measured() *Measured {
	p := c.profile
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := &Measured{Budget: DefaultBudget, Requests: p.requests, PerRequest: p.max, OverBudget: p.over, Rules: make([]RuleCost, len(c.rules))}
	for i := range c.rules {
		m.Rules[i].RuleID = c.rules[i].ID
		if i < len(p.perRule) && p.requests > 0 {
			m.Rules[i].PerRequest = p.perRule[i] / p.requests
		}
	}
	return m
}
