package recommend

import (
	"fmt"
	"sort"

	"github.com/candorhq/candor/catalog"
)

// group is the parts of one kind from one feature set.
type group struct {
	kind, set, ruleID string
	evidence          []string
	values            []float64
}

// explain turns a candidate's parts into reasons whose contributions sum,
// in the listed order, exactly to the returned score.
func explain(ps []part, cat *catalog.Snapshot) ([]Reason, float64) {
	var groups []*group
	index := map[string]*group{}
	for _, p := range ps {
		key := p.kind + "\x00" + p.set + "\x00" + p.ruleID
		g := index[key]
		if g == nil {
			g = &group{kind: p.kind, set: p.set, ruleID: p.ruleID}
			index[key] = g
			groups = append(groups, g)
		}
		g.evidence = append(g.evidence, p.evidence)
		g.values = append(g.values, p.value)
	}
	reasons := make([]Reason, len(groups))
	for i, g := range groups {
		var sum float64
		for _, v := range g.values {
			sum += v
		}
		sortEvidence(g)
		reasons[i] = Reason{Kind: g.kind, FeatureSet: g.set, Evidence: compact(g.evidence), Contribution: sum, RuleID: g.ruleID, Text: sentence(g, cat)}
	}
	sort.SliceStable(reasons, func(a, b int) bool { return reasons[a].Contribution > reasons[b].Contribution })
	var score float64
	for _, r := range reasons {
		score += r.Contribution
	}
	return reasons, score
}

// sortEvidence orders a group's evidence by its contribution, largest first.
func sortEvidence(g *group) {
	idx := make([]int, len(g.values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return g.values[idx[a]] > g.values[idx[b]] })
	ev := make([]string, len(idx))
	for i, k := range idx {
		ev[i] = g.evidence[k]
	}
	g.evidence = ev
}

func compact(ev []string) []string {
	out := ev[:0]
	for _, e := range ev {
		if e != "" {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func sentence(g *group, cat *catalog.Snapshot) string {
	first, more := "", ""
	if len(g.evidence) > 0 && g.evidence[0] != "" {
		first = g.evidence[0]
		if it, ok := cat.Get(first); ok {
			first = it.Title
		}
		if n := len(g.evidence) - 1; n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
	}
	switch g.kind {
	case KindBoughtTogether:
		return "Because you bought " + first + more
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
	var out []Control
	seen := map[string]bool{}
	for _, r := range reasons {
		if !personalSet(r.FeatureSet) || seen[r.FeatureSet] {
			continue
		}
		seen[r.FeatureSet] = true
		out = append(out, Control{Kind: "stop_using", Label: stopLabel(r.FeatureSet), Method: "PUT", Path: "/v1/me/consent",
			Body: map[string]any{"scopes": map[string]string{r.FeatureSet: "denied"}}})
	}
	out = append(out,
		Control{Kind: "not_interested", Label: "Not interested in this item", Method: "POST", Path: "/v1/me/feedback",
			Body: map[string]string{"kind": "not_interested", "item_id": it.ID}},
		Control{Kind: "hide_category", Label: "Hide " + it.TopCategory(), Method: "POST", Path: "/v1/me/feedback",
			Body: map[string]string{"kind": "hide_category", "category": it.TopCategory()}})
	return out
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
