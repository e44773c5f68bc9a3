package recommend

import (
	"slices"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
)

// evidence is one item of the customer's granted history or the request
// context that pulls its neighbours up.
type evidence struct {
	item   int32
	id     string
	weight float64
	set    string // consent scope, or "context"
	kind   string // reason kind its contributions get
}

// gather turns the granted state and the request context into evidence
// (in ev's memory),
// weighted by the model's scoring. Only sets present in st (the gated read
// returned only granted ones) and the context are used. Recency is measured
// from the customer's own latest interaction, never from the clock, so the
// same history always scores the same and old histories still count.
func gather(ev []evidence, m Model, st *features.State, req *Request) []evidence {
	sc := m.Scoring()
	n := 1 + len(req.Cart)
	if st != nil {
		for _, set := range historySets {
			n += min(len(st.Interactions[set]), sc.MaxEvidence)
		}
	}
	ev = slices.Grow(ev[:0], n)
	if st != nil {
		latest := latestInteraction(st)
		times := historyTimes(st, sc)
		ev = appendSet(ev, m, st.Interactions[consent.Purchases], latest, times, sc, consent.Purchases)
		ev = appendSet(ev, m, st.Interactions[consent.Browsing], latest, times, sc, consent.Browsing)
		ev = appendSet(ev, m, st.Interactions[consent.Sensitive], latest, times, sc, consent.Sensitive)
	}
	if req.ItemID != "" {
		if idx, ok := m.Lookup(req.ItemID); ok {
			ev = append(ev, evidence{item: idx, id: req.ItemID, weight: sc.Context, set: "context", kind: KindSimilarToCurrent})
		}
	}
	for i, id := range req.Cart {
		// an item counts once: a product page's item is often in the cart
		// too, and a cart may name an item twice
		if id == "" || id == req.ItemID || slices.Contains(req.Cart[:i], id) {
			continue
		}
		if idx, ok := m.Lookup(id); ok {
			ev = append(ev, evidence{item: idx, id: id, weight: sc.Cart, set: "context", kind: KindGoesWithCart})
		}
	}
	return ev
}

// historySets are the interaction sets that are evidence, in the order
// their evidence is gathered.
var historySets = []consent.Scope{consent.Purchases, consent.Browsing, consent.Sensitive}

// latestInteraction returns the time of the customer's most recent
// interaction in the granted history sets.
func latestInteraction(st *features.State) time.Time {
	var t time.Time
	for _, set := range historySets {
		for _, x := range st.Interactions[set] {
			if x.Last.After(t) {
				t = x.Last
			}
		}
	}
	return t
}

// historyTimes returns the times (Unix nanoseconds) of every item of the
// granted history sets, sorted, when the scoring weighs evidence by its
// rank in them (Scoring.RecencyRank), else nil.
func historyTimes(st *features.State, sc models.Scoring) []int64 {
	if sc.RecencyRank == 0 {
		return nil
	}
	var ts []int64
	for _, set := range historySets {
		for _, x := range st.Interactions[set] {
			ts = append(ts, x.Last.UnixNano())
		}
	}
	slices.Sort(ts)
	return ts
}

// appendSet adds the most recent sc.MaxEvidence items of one set (stored
// oldest first); times are the history's sorted times (see historyTimes).
func appendSet(ev []evidence, m Model, xs []features.Interaction, latest time.Time, times []int64, sc models.Scoring, set consent.Scope) []evidence {
	base, half, kind := sc.View, sc.ViewHalfLife, KindViewedRecently
	switch set {
	case consent.Purchases:
		base, half, kind = sc.Purchase, sc.PurchaseHalfLife, KindBoughtTogether
	case consent.Sensitive:
		base, kind = sc.Sensitive, KindSensitiveHistory
	}
	for _, x := range xs[max(0, len(xs)-sc.MaxEvidence):] {
		idx, ok := m.Lookup(x.Item)
		if !ok {
			continue
		}
		k, rating := kind, 0.0
		if set == consent.Purchases && x.Rating > 0 {
			k, rating = KindRated, x.Rating
		}
		wt := sc.Weight(base, x.Count, rating) * models.Decay(latest.Sub(x.Last), half) * sc.RecencyFactor(x.Last.UnixNano(), times)
		ev = append(ev, evidence{item: idx, id: x.Item, weight: wt, set: string(set), kind: k})
	}
	return ev
}
