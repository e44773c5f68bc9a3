package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// BenchmarkActionsDecide arbitrates 100 actions for one customer who
// granted everything but sensitive, with a 2,000-item model, 100 purchases
// and 300 views (the affinity reads the newest 100 of each), 40 recorded
// contacts and response stats for every action:
//
//   - typical: actions spread over the four channels, a third with a
//     condition on customer facts, most promoting items, some a category;
//   - all-email: every action eligible on the requested channel, so all
//     100 are scored and ranked;
//   - anonymous: no state: every action is suppressed for consent.
//
// The target is well under 200 µs on top of the state read.
func BenchmarkActionsDecide(b *testing.B) {
	cat, model := recommendtest.World(11, 2000)
	st := actionsCustomer(model.IDs())
	for _, bc := range []struct {
		name     string
		channels bool
		state    *features.State
	}{{"typical", true, st}, {"all-email", false, st}, {"anonymous", true, nil}} {
		b.Run(bc.name, func(b *testing.B) {
			c, stats := actionsCatalog(b, model.IDs(), 100, bc.channels)
			e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{})
			req := actions.Request{State: bc.state, Channel: consent.Email, N: 3, Now: benchNow, Model: model, Items: cat, Stats: stats}
			e.Decide(req) // builds the model index once, as the first request after a swap does
			chosen := 0
			b.ReportAllocs()
			for b.Loop() {
				chosen += len(e.Decide(req).Actions)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/decision")
			b.ReportMetric(float64(chosen)/float64(b.N), "actions/decision")
		})
	}
}

var benchNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// actionsCatalog returns n actions over items and made-up response stats.
func actionsCatalog(b *testing.B, items []string, n int, spread bool) (*actions.Compiled, map[string]actions.Observed) {
	rng := rand.New(rand.NewPCG(3, 4))
	conds := []string{`customer.location.country in ["DE", "AT"]`, `"kitchen" in customer.declared.favourite_categories`,
		`customer.demographics.age_band != "18-24" and context.hour >= 8`}
	cats := []string{"kitchen", "garden", "books", "music", "toys"}
	stats := map[string]actions.Observed{}
	var as []actions.Action
	for i := range n {
		a := actions.Action{ID: fmt.Sprintf("act-%03d", i), Name: "Action", Type: actions.Types[i%len(actions.Types)],
			Channels: []consent.Scope{consent.Email}, Value: 1 + rng.Float64()*50, Weight: 0.5 + rng.Float64(),
			Caps: actions.Caps{MaxPer: 3, Period: "30d", CooldownAfterDismiss: "7d"}, SharesData: i%10 == 0}
		if spread {
			a.Channels = []consent.Scope{consent.Channels[i%4], consent.Channels[(i+1)%4]}
		}
		if i%3 == 0 {
			a.When = conds[i%len(conds)]
		}
		if i%5 == 4 {
			a.Category = cats[i%len(cats)]
		} else {
			for range 1 + rng.IntN(5) {
				a.Items = append(a.Items, items[rng.IntN(len(items))])
			}
			slices.Sort(a.Items)
			a.Items = slices.Compact(a.Items)
		}
		as = append(as, a)
		stats[a.ID] = actions.Observed{Impressions: int64(rng.IntN(10000)), Clicks: int64(rng.IntN(300))}
	}
	c, err := actions.Validate(actions.Catalog{Version: 1, Actions: as})
	if err != nil {
		b.Fatal(err)
	}
	return c, stats
}

// actionsCustomer is a customer who granted everything but sensitive.
func actionsCustomer(items []string) *features.State {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.AllScopes {
		state := consent.Granted
		if s == consent.Sensitive {
			state = consent.Denied
		}
		recs[s] = consent.Record{Scope: s, State: state, Time: benchNow.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	hist := func(n int) []features.Interaction {
		out := make([]features.Interaction, n)
		for i := range out {
			out[i] = features.Interaction{Item: items[rng.IntN(len(items))], Last: benchNow.Add(-time.Duration(n-i) * time.Hour), Count: 1}
		}
		return out
	}
	st := &features.State{CustomerID: "bench", Decision: consent.Evaluate(recs, consent.Request{Now: benchNow, PolicyVersion: 1}),
		Interactions: map[consent.Scope][]features.Interaction{consent.Purchases: hist(100), consent.Browsing: hist(300)},
		Declared:     &features.Declared{Categories: []string{"kitchen"}}, Location: &features.Location{Country: "DE"},
		Demographics: &features.Demographics{AgeBand: "35-44"}}
	for i := range 40 {
		t := benchNow.Add(-time.Duration(i) * 23 * time.Hour)
		ev := []features.EventType{features.Impression, features.Click, features.Dismiss}[i%3]
		st.Contacts = append(st.Contacts, features.Contact{Member: features.ContactMember(fmt.Sprintf("act-%03d", i*2), ev, consent.Channels[i%4], t), Time: t})
	}
	return st
}
