package recommend

import (
	"context"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// Trace is the full computation of one preview: what was returned, every
// candidate a filter removed and why, and every rule that fired. It holds
// only data the customer granted (the gated read returned nothing else).
type Trace struct {
	Response   *Response     `json:"response"`
	Removed    []RemovedItem `json:"removed"`
	RuleEvents []rules.Event `json:"rule_events"`
	Short      *Shortfall    `json:"short,omitempty"` // why the list holds fewer items than asked for
}

// RemovedItem is a candidate a filter took out.
type RemovedItem struct {
	ItemID string `json:"item_id"`
	Reason string `json:"reason"`
}

// reset forgets a selection pass that is redone with a larger pool.
func (t *Trace) reset() {
	if t != nil {
		t.Removed, t.RuleEvents = t.Removed[:0], t.RuleEvents[:0]
	}
}

func (t *Trace) removed(id, why string) {
	if t != nil {
		t.Removed = append(t.Removed, RemovedItem{ItemID: id, Reason: why})
	}
}

// Profile is a synthetic customer for previews: the sets it names count as
// granted; nothing is read from or written to the store.
type Profile struct {
	Purchases []string           `json:"purchases,omitempty"`
	Views     []string           `json:"views,omitempty"`
	Declared  *features.Declared `json:"declared,omitempty"`
	Location  *features.Location `json:"location,omitempty"`
}

// Preview runs one request with ruleset rs (the live one when nil) for a
// stored customer (req.CustomerID) or a synthetic profile, and returns the
// trace. It records no decision.
func (s *Service) Preview(ctx context.Context, req Request, p *Profile, rs *rules.Compiled) (*Trace, error) {
	if err := req.Normalize(s.now()); err != nil {
		return nil, err
	}
	m := s.model()
	if m == nil {
		return nil, candor.Errorf(candor.EUnavailable, "No model is loaded yet; try again shortly.")
	}
	if rs == nil {
		rs = s.ruleset()
	}
	var st *features.State
	var fb Fallback
	if p != nil {
		st = p.state(req.Now)
	} else {
		st, fb = s.read(ctx, m, &req)
	}
	tr := &Trace{Removed: []RemovedItem{}, RuleEvents: []rules.Event{}}
	tr.Response = s.build(m, s.catalog(), st, fb, &req, rs, tr)
	return tr, nil
}

// state turns a synthetic profile into a state whose grant covers exactly
// the sets the profile fills.
func (p *Profile) state(now time.Time) *features.State {
	recs := map[consent.Scope]consent.Record{}
	grant := func(s consent.Scope) {
		recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: now, PolicyVersion: consent.MaxPolicyVersion, Source: consent.SourceAPI}
	}
	st := &features.State{CustomerID: "synthetic", Interactions: map[consent.Scope][]features.Interaction{}}
	if len(p.Purchases) > 0 {
		grant(consent.Purchases)
		st.Interactions[consent.Purchases] = synthetic(p.Purchases, now)
	}
	if len(p.Views) > 0 {
		grant(consent.Browsing)
		st.Interactions[consent.Browsing] = synthetic(p.Views, now)
	}
	if p.Declared != nil {
		grant(consent.Declared)
		st.Declared = p.Declared
	}
	if p.Location != nil {
		grant(consent.Location)
		st.Location = p.Location
	}
	st.Decision = consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1})
	return st
}

func synthetic(ids []string, now time.Time) []features.Interaction {
	out := make([]features.Interaction, len(ids))
	for i, id := range ids {
		out[i] = features.Interaction{Item: id, Last: now.Add(-time.Duration(len(ids)-i) * time.Hour), Count: 1}
	}
	return out
}
