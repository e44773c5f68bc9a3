package actions_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// stateWith builds a state the way the gated read does: only granted sets
// are present. gpc is passed to the consent evaluation.
func stateWith(granted []consent.Scope, gpc bool) *features.State {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.AllScopes {
		st := consent.Denied
		if slices.Contains(granted, s) {
			st = consent.Granted
		}
		recs[s] = consent.Record{Scope: s, State: st, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	d := consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1, GPC: gpc})
	st := &features.State{CustomerID: "c1", Decision: d, Interactions: map[consent.Scope][]features.Interaction{}}
	g := d.Grant()
	if g.Has(consent.Location) {
		st.Location = &features.Location{Country: "DE"}
	}
	if g.Has(consent.Declared) {
		st.Declared = &features.Declared{Categories: []string{"kitchen"}}
	}
	return st
}

// full is every scope but sensitive.
var full = []consent.Scope{consent.Browsing, consent.Purchases, consent.Declared, consent.Location, consent.Demographics,
	consent.Onsite, consent.Email, consent.SMS, consent.Push, consent.SaleShare}

// without returns full minus drop.
func without(drop ...consent.Scope) []consent.Scope {
	return slices.DeleteFunc(slices.Clone(full), func(s consent.Scope) bool { return slices.Contains(drop, s) })
}

// action returns a valid email action worth 10.
func action(id string) actions.Action {
	return actions.Action{ID: id, Name: "Action " + id, Type: actions.TypeOffer, Channels: []consent.Scope{consent.Email}, Value: 10}
}

// compile validates actions into a catalog of version 1.
func compile(t testing.TB, as ...actions.Action) *actions.Compiled {
	t.Helper()
	c, err := actions.Validate(actions.Catalog{Version: 1, Actions: as})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// engine returns an engine with the default config over as.
func engine(t testing.TB, as ...actions.Action) *actions.Engine {
	t.Helper()
	c := compile(t, as...)
	return actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{})
}

// contacts returns n impressions of action on ch, the last at last, one
// hour apart.
func contacts(action string, ch consent.Scope, n int, last time.Time) []features.Contact {
	var out []features.Contact
	for k := range n {
		t := last.Add(-time.Duration(k) * time.Hour)
		out = append(out, features.Contact{Member: features.ContactMember(action, features.Impression, ch, t), Time: t.Truncate(time.Second)})
	}
	return out
}

// ids lists the chosen actions' IDs.
func ids(d actions.Decision) []string {
	out := []string{}
	for _, a := range d.Actions {
		out = append(out, a.ActionID)
	}
	return out
}

// suppressed returns the reason an action was suppressed, or "".
func suppressed(d actions.Decision, id string) string {
	for _, s := range d.Suppressed {
		if s.ActionID == id {
			return s.Reason
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string { return fmt.Sprint(n) }
