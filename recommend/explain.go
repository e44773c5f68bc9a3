package recommend

import (
	"cmp"
	"slices"
	"strconv"
	"unsafe"

	"github.com/candorhq/candor/catalog"
)

// explainScratch are an explainer's buffers that nothing it returns points
// into: pooled with the request's accumulator.
type explainScratch struct {
	parts  []part
	groups []group
	of     []int // the group of each part
	ev     []evidenceValue
}

// group is the parts of one kind from one feature set (and rule): its
// evidence is explainer.ev[lo:lo+n].
type group struct {
	kind, set, ruleID string
	lo, n             int
}

// evidenceValue is one part of a group: its evidence (may be "") and value,
// and its position among the group's parts.
type evidenceValue struct {
	id    string
	value float64
	at    int32
	item  int32 // part.item
}

// explainer turns candidates' parts into reasons, reusing its buffers from
// one item to the next.
type explainer struct {
	cat      *catalog.Snapshot
	items    int // how many items the response explains, to size the arenas
	evidence int // the most evidence its reasons can name (countParts), the first ids arena's size
	explainScratch
	ctrl   []Control
	bodies [][2]FeedbackBody
	rs     []Reason // the reasons of every item, one arena
	ids    []string // their evidence
	nums   []int32  // their evidence's model numbers, where every item of a reason's is a model item
	text   []byte   // their texts (see sentence)
}

// explain turns a candidate's parts into reasons whose contributions sum,
// in the listed order, exactly to the returned score: largest first,
// after a pin's (which contributes 0 and is what decided the position).
func (x *explainer) explain(ps []part) ([]Reason, float64) {
	x.group(ps)
	reasons := x.takeReasons(len(x.groups))
	for i := range x.groups {
		g := &x.groups[i]
		ev := x.ev[g.lo : g.lo+g.n]
		var sum float64
		for _, e := range ev {
			sum += e.value
		}
		x.order(ev)
		ids, nums := x.evidenceIDs(ev)
		reasons[i] = Reason{Kind: g.kind, FeatureSet: g.set, Evidence: ids, Contribution: sum, RuleID: g.ruleID, Text: x.sentence(g.kind, ids), items: nums}
	}
	slices.SortStableFunc(reasons, func(a, b Reason) int {
		if pa, pb := a.Kind == KindPinned, b.Kind == KindPinned; pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.Contribution, a.Contribution)
	})
	var score float64
	for _, r := range reasons {
		score += r.Contribution
	}
	return reasons, score
}

// leadEvidence is how many of a reason's evidence come first, ordered by
// their contribution.
const leadEvidence = 10

// order puts a reason's evidence in the order it is listed: its
// leadEvidence largest contributions first, largest first (ties in
// gathering order), then the rest in gathering order. A long history's
// reason names hundreds of items; ordering all of them would cost more
// than the rest of the explanation, and only the first few are read.
func (x *explainer) order(ev []evidenceValue) {
	if len(ev) <= leadEvidence {
		slices.SortFunc(ev, compareEvidence)
		return
	}
	var lead [leadEvidence]evidenceValue
	n := 0
	for i := len(ev) - 1; i >= 0; i-- { // the latest first: recency weighs them most, so few are displaced
		e := ev[i]
		// e comes before every lead in gathering order: it displaces the
		// last on a tie (compareEvidence), and a NaN takes the slow way
		if n == leadEvidence && (e.value < lead[n-1].value || compareEvidence(e, lead[n-1]) >= 0) {
			continue
		}
		p := min(n, leadEvidence-1)
		for ; p > 0 && compareEvidence(e, lead[p-1]) < 0; p-- {
			lead[p] = lead[p-1]
		}
		lead[p], n = e, min(n+1, leadEvidence)
	}
	var at [leadEvidence]int32 // the positions taken, ascending
	for i, e := range lead {
		at[i] = e.at
	}
	slices.Sort(at[:])
	// the rest moves up in place, from the end, past the positions taken
	k, next := len(ev)-1, leadEvidence-1
	for i := len(ev) - 1; i >= 0 && k >= leadEvidence; i-- {
		if next >= 0 && ev[i].at == at[next] {
			next--
			continue
		}
		ev[k] = ev[i]
		k--
	}
	copy(ev, lead[:])
}

// compareEvidence orders evidence by contribution, largest first, then by
// gathering order.
func compareEvidence(a, b evidenceValue) int {
	if c := cmp.Compare(b.value, a.value); c != 0 {
		return c
	}
	return cmp.Compare(a.at, b.at)
}

// holds reports whether part p belongs to group g.
func (g *group) holds(p *part) bool {
	return g.kind == p.kind && g.set == p.set && g.ruleID == p.ruleID
}

// group sorts parts into groups, keeping their order within each.
func (x *explainer) group(ps []part) {
	x.groups, x.of = x.groups[:0], x.of[:0]
	i := -1
	for _, p := range ps {
		if i < 0 || !x.groups[i].holds(&p) { // a part mostly joins the group of the part before it
			i = slices.IndexFunc(x.groups, func(g group) bool { return g.holds(&p) })
		}
		if i < 0 {
			x.groups = append(x.groups, group{kind: p.kind, set: p.set, ruleID: p.ruleID})
			i = len(x.groups) - 1
		}
		x.groups[i].n++
		x.of = append(x.of, i)
	}
	lo := 0
	for i := range x.groups {
		x.groups[i].lo, lo = lo, lo+x.groups[i].n
		x.groups[i].n = 0
	}
	x.ev = slices.Grow(x.ev[:0], len(ps))[:len(ps)]
	for k, p := range ps {
		g := &x.groups[x.of[k]]
		x.ev[g.lo+g.n] = evidenceValue{p.evidence, p.value, int32(g.n), p.item}
		g.n++
	}
}

// evidenceIDs returns the non-empty evidence of ev in order (nil if
// none) and, when every one of them is a model item, their model numbers
// (for the record: see heldLists.add), else nil.
func (x *explainer) evidenceIDs(ev []evidenceValue) ([]string, []int32) {
	n, numbered := 0, true
	for _, e := range ev {
		if e.id != "" {
			n++
			numbered = numbered && e.item != 0
		}
	}
	if n == 0 {
		return nil, nil
	}
	if cap(x.ids)-len(x.ids) < n {
		x.ids = make([]string, 0, max(n, x.evidence, 8*x.items))
	}
	start := len(x.ids)
	for _, e := range ev {
		if e.id != "" {
			x.ids = append(x.ids, e.id)
		}
	}
	ids := x.ids[start:len(x.ids):len(x.ids)]
	if !numbered {
		return ids, nil
	}
	if cap(x.nums)-len(x.nums) < n {
		x.nums = make([]int32, 0, max(n, x.evidence, 8*x.items))
	}
	start = len(x.nums)
	for _, e := range ev {
		if e.id != "" {
			x.nums = append(x.nums, e.item-1)
		}
	}
	return ids, x.nums[start:len(x.nums):len(x.nums)]
}

// takeReasons returns n reasons from the response's arena.
func (x *explainer) takeReasons(n int) []Reason {
	if n == 0 {
		return []Reason{} // an item nothing explains (no model, no popularity): [] in JSON, as a stored record shows it
	}
	if cap(x.rs)-len(x.rs) < n {
		x.rs = make([]Reason, 0, max(n, 4*x.items))
	}
	start := len(x.rs)
	x.rs = x.rs[:start+n]
	return x.rs[start : start+n : start+n]
}

// sentence returns the text of a reason of kind from its evidence,
// written into the response's text arena: the texts of one response share
// a few allocations instead of one each. A text points into bytes that
// are never written again (the arena only grows at its end, and a new
// one is made when it is full), as strings.Builder's do.
func (x *explainer) sentence(kind string, evidence []string) string {
	if t, ok := fixedTexts[kind]; ok {
		return t // names nothing: no copy needed
	}
	if cap(x.text)-len(x.text) < 160 {
		x.text = make([]byte, 0, max(1024, 96*x.items))
	}
	start := len(x.text)
	x.text = appendSentence(x.text, kind, evidence, x.cat)
	if len(x.text) == start {
		return ""
	}
	return unsafe.String(&x.text[start], len(x.text)-start)
}

// appendSentence appends the text of a reason of kind from its evidence:
// the first evidence item by its title (its ID when the catalog no longer
// has it), and how many more there are.
func appendSentence(b []byte, kind string, evidence []string, cat *catalog.Snapshot) []byte {
	first, more := "", 0
	if len(evidence) > 0 {
		first, more = evidence[0], len(evidence)-1
		if it, ok := cat.Get(first); ok {
			first = it.Title
		}
	}
	named := func(before, after string) []byte {
		b = append(append(b, before...), first...)
		if more > 0 {
			b = strconv.AppendInt(append(b, " and "...), int64(more), 10)
			b = append(b, " more"...)
		}
		return append(b, after...)
	}
	switch kind {
	case KindBoughtTogether:
		return named("Because you bought ", "")
	case KindRated:
		return named("Because you rated ", "")
	case KindViewedRecently:
		return named("Because you viewed ", "")
	case KindSensitiveHistory:
		return named("Because you viewed ", " (sensitive data you allowed us to use)")
	case KindSimilarToCurrent:
		return named("Goes with ", ", which you are looking at")
	case KindGoesWithCart:
		if more > 0 {
			return named("Goes with ", ", which are in your cart")
		}
		return named("Goes with ", ", which is in your cart")
	case KindDeclaredPreference:
		return append(append(b, "You told us you like "...), first...)
	case KindPopularInCategory:
		return append(append(append(b, "Popular in "...), first...), " with other shoppers"...)
	}
	return append(b, fixedTexts[KindPopular]...) // a kind this version does not know; sentence answers the others
}

// fixedTexts are the texts of the reasons that name nothing.
var fixedTexts = map[string]string{
	KindPromoted: "Promoted by the shop",
	KindDemoted:  "Shown lower by the shop",
	KindPinned:   "Placed in this position by the shop",
	KindPopular:  "Popular with other shoppers",
}

// controls lists what the customer can do about item id's reasons: stop
// using each personal set, not interested, and hide its top category
// (labelled hide; none when hide is "", for an item no longer in the
// catalog). The controls and bodies of one response share two arenas.
func (x *explainer) controls(id, top, hide string, reasons []Reason) []Control {
	if cap(x.ctrl)-len(x.ctrl) < len(reasons)+2 {
		x.ctrl = make([]Control, 0, max(5*x.items, len(reasons)+2))
	}
	if len(x.bodies) == cap(x.bodies) {
		x.bodies = make([][2]FeedbackBody, 0, max(x.items, 1))
	}
	start := len(x.ctrl)
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
		x.ctrl = append(x.ctrl, StopUsing(r.FeatureSet))
	}
	x.bodies = append(x.bodies, [2]FeedbackBody{{Kind: "not_interested", ItemID: id}, {Kind: "hide_category", Category: top}})
	b := &x.bodies[len(x.bodies)-1]
	x.ctrl = append(x.ctrl, Control{Kind: "not_interested", Label: "Not interested in this item", Method: "POST", Path: "/v1/me/feedback", Body: &b[0]})
	if hide != "" {
		x.ctrl = append(x.ctrl, Control{Kind: "hide_category", Label: hide, Method: "POST", Path: "/v1/me/feedback", Body: &b[1]})
	}
	return x.ctrl[start:len(x.ctrl):len(x.ctrl)]
}

// HideLabel is the label of the control that hides an item's category.
func HideLabel(category string) string { return "Hide " + category }

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
