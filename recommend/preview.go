package recommend

import (
	"context"
	"fmt"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/rules"
)

// RulesDiff compares a draft ruleset with the live one over sample
// customers: which items enter or leave each top n and how ranks move.
type RulesDiff struct {
	Customers   int             `json:"customers"`
	Affected    int             `json:"affected"` // customers whose top n changes
	LiveVersion int             `json:"live_version"`
	Changes     []CustomerDiff  `json:"changes"`
	Warnings    []rules.Warning `json:"warnings"`
}

// CustomerDiff is the change one customer would see.
type CustomerDiff struct {
	CustomerID string   `json:"customer_id"`
	Entered    []string `json:"entered"`
	Left       []string `json:"left"`
	Moved      []Move   `json:"moved"`
}

// Move is an item whose rank changes (1-based).
type Move struct {
	ItemID string `json:"item_id"`
	From   int    `json:"from"`
	To     int    `json:"to"`
}

// PreviewRules runs the live and the draft ruleset side by side for each
// customer, from one gated read each, and records nothing.
func (s *Service) PreviewRules(ctx context.Context, customers []string, n int, placement string, live, draft *rules.Compiled) (*RulesDiff, error) {
	m := s.model()
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet; try again shortly.")
	}
	cat := s.catalog()
	out := &RulesDiff{LiveVersion: live.Version(), Changes: []CustomerDiff{}}
	empty := 0
	for _, id := range customers {
		req := Request{CustomerID: id, N: n, Placement: placement}
		if err := req.Normalize(s.now()); err != nil {
			return nil, err
		}
		st, fb := s.read(ctx, m, &req)
		before := s.build(m, cat, st, fb, &req, live, nil)
		after := s.build(m, cat, st, fb, &req, draft, nil)
		out.Customers++
		if len(after.Items) == 0 {
			empty++
		}
		if d := diffItems(id, before.Items, after.Items); d != nil {
			out.Affected++
			out.Changes = append(out.Changes, *d)
		}
	}
	if empty > 0 {
		out.Warnings = append(out.Warnings, rules.Warning{Message: fmt.Sprintf("the draft leaves %d of %d customers with no recommendation", empty, out.Customers)})
	}
	return out, nil
}

func diffItems(id string, before, after []Item) *CustomerDiff {
	rank := func(items []Item) map[string]int {
		m := make(map[string]int, len(items))
		for i, it := range items {
			m[it.ItemID] = i + 1
		}
		return m
	}
	rb, ra := rank(before), rank(after)
	d := &CustomerDiff{CustomerID: id, Entered: []string{}, Left: []string{}, Moved: []Move{}}
	for _, it := range after {
		if from, ok := rb[it.ItemID]; !ok {
			d.Entered = append(d.Entered, it.ItemID)
		} else if from != ra[it.ItemID] {
			d.Moved = append(d.Moved, Move{ItemID: it.ItemID, From: from, To: ra[it.ItemID]})
		}
	}
	for _, it := range before {
		if _, ok := ra[it.ItemID]; !ok {
			d.Left = append(d.Left, it.ItemID)
		}
	}
	if len(d.Entered)+len(d.Left)+len(d.Moved) == 0 {
		return nil
	}
	return d
}
