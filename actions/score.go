package actions

import (
	"fmt"
	"strconv"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

// parts are the named pieces of one action's score; sum adds them in the
// order the reasons list them, so the reasons sum exactly to the score.
type parts struct {
	rate      float64 // smoothed response rate
	aff       float64 // affinity in [0, 1]
	affFrom   string  // AffinityHistory, AffinityCategory or ""
	base      float64 // rate × value × weight
	purchases float64 // affinity bonus from purchases
	browsing  float64 // affinity bonus from browsing
	category  float64 // affinity bonus from the category's popularity
	evP, evB  string  // best evidence items
}

func (p parts) sum() float64 { return p.base + p.purchases + p.browsing + p.category }

// rate returns the action's response rate smoothed with the Beta prior.
func (s *decide) rate(id string) float64 { return s.e.ResponseRate(s.req.Stats[id]) }

// ResponseRate returns the response rate Decide scores an action with
// whose responses so far are o: clicks over impressions smoothed with
// the Beta prior of Config (PriorClicks, PriorImpressions). Negative
// counts count as 0, and clicks as at most the impressions.
func (e *Engine) ResponseRate(o Observed) float64 {
	imp, clk := float64(max(o.Impressions, 0)), float64(min(max(o.Clicks, 0), max(o.Impressions, 0)))
	return (clk + e.cfg.PriorClicks) / (imp + e.cfg.PriorImpressions)
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
		p.aff, p.affFrom = min(ap+ab, 1), AffinityHistory
		bonus := lam * p.aff * (1 - p.rate) * vw
		p.purchases = bonus * ap / (ap + ab)
		p.browsing = bonus - p.purchases
		p.evP, p.evB = evP, evB
	case s.tg.category[i] > 0:
		p.aff, p.affFrom = min(s.tg.category[i], 1), AffinityCategory
		p.category = lam * p.aff * (1 - p.rate) * vw
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
		Reasons: rs, Controls: controls(a, s.req.Channel, rs), Items: a.Items, Category: a.Category,
		Parts: s.scoreParts(a, p), Contacts: s.contacts(cd.i)}
}

// scoreParts are the factors of p, the parts of action a.
func (s *decide) scoreParts(a *compiled, p parts) ScoreParts {
	o := s.req.Stats[a.ID]
	lam := s.e.cfg.AffinityWeight
	return ScoreParts{Value: a.Value, Weight: a.EffectiveWeight(), ResponseRate: p.rate, Impressions: o.Impressions, Clicks: o.Clicks,
		Affinity: p.aff, AffinityFrom: p.affFrom, AffinityWeight: lam, Propensity: p.rate + lam*p.aff*(1-p.rate)}
}

// contacts is the contact-policy state action i was chosen under.
func (s *decide) contacts(i int) Contacts {
	a := &s.c.actions[i]
	out := Contacts{CooldownAfterDismiss: a.Caps.CooldownAfterDismiss}
	if s.use.shown != nil {
		out.Shown, out.ChannelShown = s.use.shown[i], s.use.channel
	}
	if a.Caps.MaxPer > 0 {
		out.Cap = &PeriodLimit{Max: a.Caps.MaxPer, Period: a.Caps.Period}
	}
	if s.lmt {
		out.ChannelLimit = &PeriodLimit{Max: s.lim.Max, Period: periodText(s.lim.Period)}
	}
	return out
}

// periodText writes d as whole days ("7d") when it is some, else as a Go
// duration ("90m0s"): the forms caps.period takes.
func periodText(d time.Duration) string {
	const day = 24 * time.Hour
	if d > 0 && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	return d.String()
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

// controls lists what the customer can do: dismiss the action (when a
// dismissal holds it back for a while: caps.cooldown_after_dismiss),
// leave the channel, stop the use of each personal set a reason used,
// stop sharing.
func controls(a *compiled, ch consent.Scope, rs []recommend.Reason) []recommend.Control {
	var out []recommend.Control
	if a.cooldown > 0 {
		out = append(out, recommend.Control{Kind: ControlDismiss, Label: "Not interested in this " + noun(a.Type), Method: "POST",
			Path: "/v1/me/actions/" + a.ID + "/dismiss", Body: map[string]any{"channel": string(ch)}})
	}
	out = append(out, deny("unsubscribe", unsubscribeLabel(ch), ch))
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

// ControlDismiss is the control that records a dismissal of the action
// (POST /v1/me/actions/{action}/dismiss): Decide holds it back for its
// caps.cooldown_after_dismiss.
const ControlDismiss = "dismiss"

// noun names an action of type t in a label.
func noun(t Type) string {
	switch t {
	case TypeContent:
		return "content"
	case TypeService:
		return "message"
	case TypeRecommendation:
		return "suggestion"
	}
	return "offer"
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
