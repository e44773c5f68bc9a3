package actions

import (
	"fmt"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

// parts are the named pieces of one action's score; sum adds them in the
// order the reasons list them, so the reasons sum exactly to the score.
type parts struct {
	rate      float64 // smoothed response rate
	base      float64 // rate × value × weight
	purchases float64 // affinity bonus from purchases
	browsing  float64 // affinity bonus from browsing
	category  float64 // affinity bonus from the category's popularity
	evP, evB  string  // best evidence items
}

func (p parts) sum() float64 { return p.base + p.purchases + p.browsing + p.category }

// rate returns the action's response rate smoothed with the Beta prior.
func (s *decide) rate(id string) float64 {
	o := s.req.Stats[id]
	imp, clk := float64(max(o.Impressions, 0)), float64(min(max(o.Clicks, 0), max(o.Impressions, 0)))
	cfg := &s.e.cfg
	return (clk + cfg.PriorClicks) / (imp + cfg.PriorImpressions)
}

// parts scores action i: propensity p = rate + λ·a·(1 − rate), where the
// affinity a in [0, 1] is the customer's neighbour weight from granted
// purchases and browsing to the action's items, or else its category's
// popularity; score = p × value × weight, as base + bonus parts.
func (s *decide) parts(i int) parts {
	a := &s.c.actions[i]
	vw := a.Value * a.EffectiveWeight()
	p := parts{rate: s.rate(a.ID)}
	p.base = p.rate * vw
	if s.aff == nil {
		return p
	}
	ap, evP := s.aff.of(0, s.tg, i)
	ab, evB := s.aff.of(1, s.tg, i)
	lam := s.e.cfg.AffinityWeight
	switch {
	case ap+ab > 0:
		bonus := lam * min(ap+ab, 1) * (1 - p.rate) * vw
		p.purchases = bonus * ap / (ap + ab)
		p.browsing = bonus - p.purchases
		p.evP, p.evB = evP, evB
	case s.tg.category[i] > 0:
		p.category = lam * min(s.tg.category[i], 1) * (1 - p.rate) * vw
	}
	return p
}

// chosen builds the customer's view of a winning candidate; used collects
// the personal feature sets it used.
func (s *decide) chosen(cd candidate, p parts, used map[string]bool) Chosen {
	a := &s.c.actions[cd.i]
	rs := []recommend.Reason{{Kind: KindResponseRate, FeatureSet: "none", Contribution: p.base,
		Text: fmt.Sprintf("Chosen for its value and how often customers take up this %s", a.Type)}}
	if p.purchases != 0 {
		rs = append(rs, recommend.Reason{Kind: recommend.KindBoughtTogether, FeatureSet: string(consent.Purchases), Contribution: p.purchases,
			Evidence: evidence(p.evP), Text: "Because you bought " + s.title(p.evP)})
	}
	if p.browsing != 0 {
		rs = append(rs, recommend.Reason{Kind: recommend.KindViewedRecently, FeatureSet: string(consent.Browsing), Contribution: p.browsing,
			Evidence: evidence(p.evB), Text: "Because you viewed " + s.title(p.evB)})
	}
	if p.category != 0 {
		rs = append(rs, recommend.Reason{Kind: recommend.KindPopularInCategory, FeatureSet: "none", Contribution: p.category,
			Evidence: []string{a.Category}, Text: "Popular in " + a.Category + " with other shoppers"})
	}
	for _, set := range a.cond.Sets() {
		rs = append(rs, recommend.Reason{Kind: KindEligibility, FeatureSet: string(set),
			Text: "Offered to you because of the " + string(set) + " data you let us use"})
	}
	for _, r := range rs {
		if personal(r.FeatureSet) {
			used[r.FeatureSet] = true
		}
	}
	return Chosen{ActionID: a.ID, Name: a.Name, Type: a.Type, Channel: s.req.Channel, Score: cd.score,
		Reasons: rs, Controls: controls(a, s.req.Channel, rs), Items: a.Items, Category: a.Category}
}

func evidence(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// title names an item for a sentence: its catalog title when known.
func (s *decide) title(id string) string {
	if s.req.Items != nil {
		if it, ok := s.req.Items.Get(id); ok && it.Title != "" {
			return it.Title
		}
	}
	if id == "" {
		return "items like these"
	}
	return id
}

func personal(set string) bool { return consent.Scope(set).IsFeatureSet() }

// controls lists what the customer can do: leave the channel, stop the
// use of each personal set a reason used, stop sharing.
func controls(a *compiled, ch consent.Scope, rs []recommend.Reason) []recommend.Control {
	out := []recommend.Control{deny("unsubscribe", unsubscribeLabel(ch), ch)}
	seen := map[string]bool{}
	for _, r := range rs {
		if personal(r.FeatureSet) && !seen[r.FeatureSet] {
			seen[r.FeatureSet] = true
			out = append(out, deny("stop_using", stopLabel(r.FeatureSet), consent.Scope(r.FeatureSet)))
		}
	}
	if a.SharesData {
		out = append(out, deny("stop_sharing", "Don't share my data with partners", consent.SaleShare))
	}
	return out
}

// deny is a control that denies one scope through the preference API.
func deny(kind, label string, s consent.Scope) recommend.Control {
	return recommend.Control{Kind: kind, Label: label, Method: "PUT", Path: "/v1/me/consent",
		Body: map[string]any{"scopes": map[string]string{string(s): "denied"}}}
}

func unsubscribeLabel(ch consent.Scope) string {
	switch ch {
	case consent.Email:
		return "Unsubscribe from email"
	case consent.SMS:
		return "Unsubscribe from SMS"
	case consent.Push:
		return "Turn off push notifications"
	}
	return "Stop offers on the site"
}

func stopLabel(set string) string { return recommend.StopLabel(set) }
