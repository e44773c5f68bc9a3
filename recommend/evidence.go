package recommend

import (
	"math"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
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

// Weights of the evidence sources and the non-personal parts. Evidence
// decays with age so recent interest counts more.
type Weights struct {
	Purchase, View, Sensitive, Context, Cart float64
	PurchaseHalfLife, ViewHalfLife           time.Duration
	Declared, Popularity                     float64
	MaxEvidence                              int // most recent items per set used
}

// DefaultWeights are the scorer's defaults.
func DefaultWeights() Weights {
	return Weights{Purchase: 1, View: 0.4, Sensitive: 0.4, Context: 1.5, Cart: 1,
		PurchaseHalfLife: 180 * 24 * time.Hour, ViewHalfLife: 30 * 24 * time.Hour,
		Declared: 0.05, Popularity: 0.02, MaxEvidence: 100}
}

func decay(age, halfLife time.Duration) float64 {
	if age <= 0 || halfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(halfLife))
}

// gather turns the granted state and the request context into evidence.
// Only sets present in st (the gated read returned only granted ones) and
// the context are used.
func gather(m Model, st *features.State, req *Request, w Weights) []evidence {
	n := 1 + len(req.Cart)
	if st != nil {
		for _, set := range []consent.Scope{consent.Purchases, consent.Browsing, consent.Sensitive} {
			n += min(len(st.Interactions[set]), w.MaxEvidence)
		}
	}
	ev := make([]evidence, 0, n)
	if st != nil {
		ev = appendSet(ev, m, st.Interactions[consent.Purchases], req.Now, w.Purchase, w.PurchaseHalfLife, string(consent.Purchases), KindBoughtTogether, w.MaxEvidence)
		ev = appendSet(ev, m, st.Interactions[consent.Browsing], req.Now, w.View, w.ViewHalfLife, string(consent.Browsing), KindViewedRecently, w.MaxEvidence)
		ev = appendSet(ev, m, st.Interactions[consent.Sensitive], req.Now, w.Sensitive, w.ViewHalfLife, string(consent.Sensitive), KindSensitiveHistory, w.MaxEvidence)
	}
	ctx := append([]string{req.ItemID}, req.Cart...)
	for i, id := range ctx {
		if id == "" {
			continue
		}
		if idx, ok := m.Lookup(id); ok {
			wt := w.Context
			if i > 0 {
				wt = w.Cart
			}
			ev = append(ev, evidence{item: idx, id: id, weight: wt, set: "context", kind: KindSimilarToCurrent})
		}
	}
	return ev
}

// appendSet adds the most recent max items of one set (stored oldest first).
func appendSet(ev []evidence, m Model, xs []features.Interaction, now time.Time, base float64, half time.Duration, set, kind string, max int) []evidence {
	start := 0
	if len(xs) > max {
		start = len(xs) - max
	}
	for _, x := range xs[start:] {
		idx, ok := m.Lookup(x.Item)
		if !ok {
			continue
		}
		wt := base * decay(now.Sub(x.Last), half) * (1 + math.Log(float64(max1(x.Count))))
		ev = append(ev, evidence{item: idx, id: x.Item, weight: wt, set: set, kind: kind})
	}
	return ev
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
