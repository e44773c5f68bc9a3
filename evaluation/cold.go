package evaluation

import (
	"cmp"
	"context"
	"slices"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

// Cold-start scenarios: every measured customer ranked from less than
// their whole history. In each, every item of the customer's training
// history stays excluded (as State.Older: never evidence, never shown),
// so the scenarios differ only in the evidence the scorer gets.
const (
	ColdPopularity = "popularity" // nothing personal and no context: the baseline
	ColdHistory    = "history-5"  // the 5 most recent interactions only
	ColdDeclared   = "declared"   // declared preferences only
	ColdContext    = "context"    // nothing stored; the request names the latest item as the one being viewed
)

// ColdScenarios lists the scenarios in report order.
var ColdScenarios = []string{ColdPopularity, ColdHistory, ColdDeclared, ColdContext}

// ColdHistoryLength is the history a ColdHistory customer keeps.
const ColdHistoryLength = 5

// Cold measures m on the cold-start scenarios: the customers of c with
// held-out items, each reduced to what the scenario leaves. A scenario
// with no customer (declared, when nobody declared anything) is absent.
func Cold(ctx context.Context, m *models.Model, c *Corpus, test Relevant, o MeasureOptions) (map[string]Metrics, error) {
	o = o.withDefaults()
	svc := Ranker(m, c.Catalog, o.Now)
	custs := measured(c, test, o.Customers)
	out := map[string]Metrics{}
	for _, sc := range ColdScenarios {
		states, reqs := coldStates(custs, sc, o.K)
		if len(states) == 0 {
			continue
		}
		lists, err := rankAll(ctx, svc, states, reqs, o.Workers)
		if err != nil {
			return nil, err
		}
		var mt Metrics
		for i, st := range states {
			mt.add(lists[i], test[st.CustomerID], o.K)
		}
		mt.finish()
		out[sc] = mt
	}
	return out, nil
}

// coldStates returns the customers as the scenario leaves them, and their
// requests.
func coldStates(custs []*features.State, scenario string, k int) ([]*features.State, []recommend.Request) {
	var states []*features.State
	var reqs []recommend.Request
	for _, st := range custs {
		hist := history(st)
		if len(hist) == 0 {
			continue
		}
		cold := &features.State{CustomerID: st.CustomerID, Decision: st.Decision, Interactions: map[consent.Scope][]features.Interaction{}}
		for _, x := range hist {
			cold.Older = append(cold.Older, x.ix.Item)
		}
		req := recommend.Request{CustomerID: st.CustomerID, N: k}
		switch scenario {
		case ColdHistory:
			for _, x := range hist[:min(ColdHistoryLength, len(hist))] {
				cold.Interactions[x.set] = append(cold.Interactions[x.set], x.ix)
			}
		case ColdDeclared:
			if st.Declared == nil || len(st.Declared.Categories) == 0 {
				continue
			}
			cold.Declared = st.Declared
		case ColdContext:
			req.ItemID, req.Placement = hist[0].ix.Item, "product"
		}
		states, reqs = append(states, cold), append(reqs, req)
	}
	return states, reqs
}

// setItem is one interaction and its feature set.
type setItem struct {
	set consent.Scope
	ix  features.Interaction
}

// history returns a customer's trained interactions, most recent first.
func history(st *features.State) []setItem {
	var out []setItem
	for _, set := range trainedSets {
		for _, x := range st.Interactions[set] {
			out = append(out, setItem{set, x})
		}
	}
	slices.SortStableFunc(out, func(a, b setItem) int {
		if c := b.ix.Last.Compare(a.ix.Last); c != 0 {
			return c
		}
		return cmp.Compare(a.ix.Item, b.ix.Item)
	})
	return out
}
