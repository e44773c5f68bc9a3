package recommend

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/candorhq/candor/catalog"
)

// group is the parts of one kind from one feature set (and rule).
type group struct {
	kind, set, ruleID string
	ev                []evidenceValue
}

// evidenceValue is one part of a group: its evidence (may be "") and value.
type evidenceValue struct {
	id    string
	value float64
}

// explain turns a candidate's parts into reasons whose contributions sum,
// in the listed order, exactly to the returned score.
func explain(ps []part, cat *catalog.Snapshot) ([]Reason, float64) {
	groups := make([]group, 0, 4)
	for _, p := range ps {
		i := slices.IndexFunc(groups, func(g group) bool { return g.kind == p.kind && g.set == p.set && g.ruleID == p.ruleID })
		if i < 0 {
			groups = append(groups, group{kind: p.kind, set: p.set, ruleID: p.ruleID})
			i = len(groups) - 1
		}
		groups[i].ev = append(groups[i].ev, evidenceValue{p.evidence, p.value})
	}
	reasons := make([]Reason, len(groups))
	for i := range groups {
		g := &groups[i]
		var sum float64
		for _, e := range g.ev {
			sum += e.value
		}
		// evidence by its contribution, largest first
		slices.SortStableFunc(g.ev, func(a, b evidenceValue) int { return cmp.Compare(b.value, a.value) })
		ids := evidenceIDs(g.ev)
		reasons[i] = Reason{Kind: g.kind, FeatureSet: g.set, Evidence: ids, Contribution: sum, RuleID: g.ruleID, Text: sentence(g.kind, ids, cat)}
	}
	slices.SortStableFunc(reasons, func(a, b Reason) int { return cmp.Compare(b.Contribution, a.Contribution) })
	var score float64
	for _, r := range reasons {
		score += r.Contribution
	}
	return reasons, score
}

// evidenceIDs returns the non-empty evidence of ev in order; nil if none.
func evidenceIDs(ev []evidenceValue) []string {
	n := 0
	for _, e := range ev {
		if e.id != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, e := range ev {
		if e.id != "" {
			out = append(out, e.id)
		}
	}
	return out
}

func sentence(kind string, evidence []string, cat *catalog.Snapshot) string {
	first, more := "", ""
	if len(evidence) > 0 {
		first = evidence[0]
		if it, ok := cat.Get(first); ok {
			first = it.Title
		}
		if n := len(evidence) - 1; n > 0 {
			more = " and " + strconv.Itoa(n) + " more"
		}
	}
	switch kind {
	case KindBoughtTogether:
		return "Because you bought " + first + more
	case KindRated:
		return "Because you rated " + first + more
	case KindViewedRecently:
		return "Because you viewed " + first + more
	case KindSensitiveHistory:
		return "Because you viewed " + first + more + " (sensitive data you allowed us to use)"
	case KindSimilarToCurrent:
		return "Goes with " + first + more + ", which you are looking at"
	case KindDeclaredPreference:
		return "You told us you like " + first
	case KindPopularInCategory:
		return "Popular in " + first + " with other shoppers"
	case KindPromoted:
		return "Promoted by the shop"
	case KindDemoted:
		return "Shown lower by the shop"
	}
	return "Popular with other shoppers"
}

// controls lists what the customer can do about an item's reasons.
func controls(it *catalog.Item, reasons []Reason) []Control {
	out := make([]Control, 0, 5)
	var seen [8]string // the personal sets already given a control; few per item
	n := 0
	for _, r := range reasons {
		if !personalSet(r.FeatureSet) || slices.Contains(seen[:n], r.FeatureSet) {
			continue
		}
		if n < len(seen) {
			seen[n] = r.FeatureSet
			n++
		}
		out = append(out, StopUsing(r.FeatureSet))
	}
	cat := it.TopCategory()
	bodies := &[2]FeedbackBody{{Kind: "not_interested", ItemID: it.ID}, {Kind: "hide_category", Category: cat}}
	return append(out,
		Control{Kind: "not_interested", Label: "Not interested in this item", Method: "POST", Path: "/v1/me/feedback", Body: &bodies[0]},
		Control{Kind: "hide_category", Label: "Hide " + cat, Method: "POST", Path: "/v1/me/feedback", Body: &bodies[1]})
}

// FeedbackBody is the body of a control that posts to /v1/me/feedback.
type FeedbackBody struct {
	Kind     string `json:"kind"`
	ItemID   string `json:"item_id,omitempty"`
	Category string `json:"category,omitempty"`
}

// ConsentBody is the body of a control that changes consent through
// PUT /v1/me/consent.
type ConsentBody struct {
	Scopes map[string]string `json:"scopes"`
}

// stopUsing holds the stop_using control of each feature set, built once:
// controls are read-only, so every response may share them.
var stopUsing = func() map[string]Control {
	m := map[string]Control{}
	for _, set := range []string{"browsing", "purchases", "declared", "location", "demographics", "sensitive"} {
		m[set] = newStopUsing(set)
	}
	return m
}()

// StopUsing is the control that denies feature set set.
func StopUsing(set string) Control {
	if c, ok := stopUsing[set]; ok {
		return c
	}
	return newStopUsing(set)
}

func newStopUsing(set string) Control {
	return Control{Kind: "stop_using", Label: stopLabel(set), Method: "PUT", Path: "/v1/me/consent",
		Body: &ConsentBody{Scopes: map[string]string{set: "denied"}}}
}

func personalSet(set string) bool {
	return set != "" && set != "context" && set != "none" && set != "rules"
}

// StopLabel is the label of the control that stops using a feature set.
func StopLabel(set string) string { return stopLabel(set) }

func stopLabel(set string) string {
	switch set {
	case "purchases":
		return "Don't use my purchase history"
	case "browsing":
		return "Don't use my browsing history"
	case "declared":
		return "Don't use the preferences I stated"
	}
	return "Don't use my " + set + " data"
}
