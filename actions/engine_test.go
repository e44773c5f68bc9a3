package actions_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// TestSuppressionReasons: each check, alone, suppresses with its reason.
func TestSuppressionReasons(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		edit   func(a *actions.Action)
		state  *features.State
		gpc    bool
		policy actions.Policy
		want   string
	}{
		{"shown", func(a *actions.Action) {}, stateWith(full, false), false, nil, ""},
		{"other channel", func(a *actions.Action) { a.Channels = []consent.Scope{consent.SMS} }, stateWith(full, false), false, nil, actions.ReasonOtherChannel},
		{"not yet valid", func(a *actions.Action) { a.From = ptr(now.Add(time.Hour)) }, stateWith(full, false), false, nil, actions.ReasonNotValidNow},
		{"expired", func(a *actions.Action) { a.Until = ptr(now) }, stateWith(full, false), false, nil, actions.ReasonNotValidNow},
		{"no channel consent", func(a *actions.Action) {}, stateWith(without(consent.Email), false), false, nil, actions.ReasonNoChannelConsent},
		{"anonymous", func(a *actions.Action) {}, nil, false, nil, actions.ReasonNoChannelConsent},
		{"gpc", func(a *actions.Action) { a.SharesData = true }, stateWith(full, true), true, nil, actions.ReasonGPC},
		{"no sale_share", func(a *actions.Action) { a.SharesData = true }, stateWith(without(consent.SaleShare), false), false, nil, actions.ReasonNoSaleShare},
		{"condition's set not granted", func(a *actions.Action) { a.When = `customer.location.country == "DE"` },
			stateWith(without(consent.Location), false), false, nil, actions.ReasonNoFeatureSetConsent},
		{"condition false", func(a *actions.Action) { a.When = `customer.location.country == "FR"` }, stateWith(full, false), false, nil, actions.ReasonConditionFalse},
		{"condition true", func(a *actions.Action) { a.When = `customer.location.country == "DE" and context.hour == 12` }, stateWith(full, false), false, nil, ""},
		{"win-back: lapsed", func(a *actions.Action) { a.When = `customer.purchases.days_since_last >= 60` }, bought(stateWith(full, false), 61), false, nil, ""},
		{"win-back: bought lately", func(a *actions.Action) { a.When = `customer.purchases.days_since_last >= 60` }, bought(stateWith(full, false), 20), false, nil, actions.ReasonConditionFalse},
		{"win-back: never bought", func(a *actions.Action) { a.When = `customer.purchases.days_since_last >= 60` }, stateWith(full, false), false, nil, actions.ReasonConditionFalse},
		{"win-back: purchases not granted", func(a *actions.Action) { a.When = `customer.purchases.days_since_last >= 60` },
			bought(stateWith(without(consent.Purchases), false), 61), false, nil, actions.ReasonNoFeatureSetConsent},
		{"capped", func(a *actions.Action) { a.Caps = actions.Caps{MaxPer: 2, Period: "7d"} },
			withContacts(stateWith(full, false), contacts("a", consent.Email, 2, now.Add(-time.Hour))), false, actions.Policy{}, actions.ReasonCapped},
		{"cap period over", func(a *actions.Action) { a.Caps = actions.Caps{MaxPer: 2, Period: "1h"} },
			withContacts(stateWith(full, false), contacts("a", consent.Email, 2, now.Add(-time.Hour))), false, actions.Policy{}, ""},
		{"dismissed", func(a *actions.Action) { a.Caps = actions.Caps{CooldownAfterDismiss: "3d"} },
			withContacts(stateWith(full, false), dismiss("a", now.Add(-2*day))), false, nil, actions.ReasonDismissed},
		{"cooldown over", func(a *actions.Action) { a.Caps = actions.Caps{CooldownAfterDismiss: "1d"} },
			withContacts(stateWith(full, false), dismiss("a", now.Add(-2*day))), false, nil, ""},
		{"contact policy", func(a *actions.Action) {},
			withContacts(stateWith(full, false), contacts("other", consent.Email, 2, now.Add(-day))), false, nil, actions.ReasonContactPolicy},
		{"contact policy: other channel", func(a *actions.Action) {},
			withContacts(stateWith(full, false), contacts("other", consent.SMS, 2, now.Add(-day))), false, nil, ""},
		{"contact policy: window over", func(a *actions.Action) {},
			withContacts(stateWith(full, false), contacts("other", consent.Email, 2, now.Add(-8*day))), false, nil, ""},
		{"below threshold", func(a *actions.Action) { a.Value = 0.1 }, stateWith(full, false), false, nil, actions.ReasonBelowThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := action("a")
			tt.edit(&a)
			c := compile(t, a)
			e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Policy: tt.policy})
			d := e.Decide(actions.Request{State: tt.state, Channel: consent.Email, Now: now, GPC: tt.gpc})
			got := suppressed(d, "a")
			if got != tt.want {
				t.Errorf("suppressed for %q, want %q (decision %+v)", got, tt.want, d)
			}
			if shown := len(d.Actions) == 1; shown != (tt.want == "") {
				t.Errorf("shown = %v, want %v", shown, tt.want == "")
			}
		})
	}
}

// bought gives st a purchase days ago (held whatever the grant, as a
// store that kept data past a withdrawal would).
func bought(st *features.State, days int) *features.State {
	st.Interactions[consent.Purchases] = []features.Interaction{{Item: "p1", Last: now.Add(-time.Duration(days) * 24 * time.Hour)}}
	return st
}

func withContacts(st *features.State, cs []features.Contact) *features.State {
	st.Contacts = append(st.Contacts, cs...)
	return st
}

func dismiss(action string, t time.Time) []features.Contact {
	return []features.Contact{{Member: action + ":dismiss:" + itoa(t.UnixMilli()), Time: t}}
}

// TestOutranked: at most n, best first, the rest outranked.
func TestOutranked(t *testing.T) {
	as := []actions.Action{action("low"), action("high"), action("mid")}
	as[1].Value, as[2].Value = 30, 20
	d := engine(t, as...).Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, N: 2, Now: now})
	if got, want := ids(d), []string{"high", "mid"}; !slices.Equal(got, want) {
		t.Errorf("chosen %v, want %v", got, want)
	}
	if got := suppressed(d, "low"); got != actions.ReasonOutranked {
		t.Errorf("low suppressed for %q, want outranked", got)
	}
}

// TestNoActionBelowThreshold: silence when nothing beats the threshold.
func TestNoActionBelowThreshold(t *testing.T) {
	as := []actions.Action{action("a"), action("b")}
	c := compile(t, as...)
	e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Threshold: 100})
	d := e.Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, Now: now})
	if len(d.Actions) != 0 || d.NoAction != actions.NoneBelowThreshold {
		t.Errorf("decision %+v, want no action below_threshold", d)
	}
	for _, id := range []string{"a", "b"} {
		if got := suppressed(d, id); got != actions.ReasonBelowThreshold {
			t.Errorf("%s suppressed for %q, want below_threshold", id, got)
		}
	}
}

// TestNoActionReasons: why a decision is empty.
func TestNoActionReasons(t *testing.T) {
	tests := []struct {
		name    string
		channel consent.Scope
		state   *features.State
		want    string
	}{
		{"invalid channel", "fax", stateWith(full, false), actions.NoneInvalidChannel},
		{"no channel consent", consent.Email, stateWith(without(consent.Email), false), actions.NoneNoChannelConsent},
		{"no actions for channel", consent.Push, stateWith(full, false), actions.NoneNoActions},
		{"none eligible", consent.Email, stateWith(without(consent.Location), false), actions.NoneNotEligible},
	}
	a := action("a")
	a.When = `customer.location.country == "DE"`
	e := engine(t, a)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Decide(actions.Request{State: tt.state, Channel: tt.channel, Now: now})
			if got := d.NoAction; got != tt.want || len(d.Actions) != 0 {
				t.Errorf("no_action %q with %d actions, want %q", got, len(d.Actions), tt.want)
			}
		})
	}
}

// TestGPC: GPC blocks actions that share data, not first-party ones.
func TestGPC(t *testing.T) {
	first, shares := action("first"), action("shares")
	shares.SharesData = true
	e := engine(t, first, shares)
	for _, gpc := range []bool{false, true} {
		d := e.Decide(actions.Request{State: stateWith(full, gpc), Channel: consent.Email, Now: now, GPC: gpc})
		want := []string{"first", "shares"}
		if gpc {
			want = []string{"first"}
		}
		if got := ids(d); !slices.Equal(got, want) {
			t.Errorf("gpc=%v: chosen %v, want %v", gpc, got, want)
		}
	}
	// A stored sale_share grant does not outlive GPC even if the state was
	// read without it.
	d := e.Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, Now: now, GPC: true})
	if got := suppressed(d, "shares"); got != actions.ReasonGPC {
		t.Errorf("shares suppressed for %q under GPC, want gpc", got)
	}
}

// TestNoActionWithoutChannelConsent: over random states, catalogs and
// contacts, no action is ever chosen for a channel that is not granted,
// and every chosen action lists the channel.
func TestNoActionWithoutChannelConsent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cat, model := recommendtest.World(3, 120)
	var as []actions.Action
	for i := range 40 {
		a := action("a" + itoa(int64(i)))
		a.Channels = pick(rng, consent.Channels)
		a.SharesData = rng.IntN(4) == 0
		a.Items = []string{model.IDs()[rng.IntN(120)]}
		a.Value = 1 + rng.Float64()*50
		if rng.IntN(3) == 0 {
			a.When = `customer.location.country == "DE"`
		}
		as = append(as, a)
	}
	e := engine(t, as...)
	for range 2000 {
		st := stateWith(pick(rng, consent.AllScopes), rng.IntN(5) == 0)
		if rng.IntN(10) == 0 {
			st = nil
		}
		ch := consent.Channels[rng.IntN(len(consent.Channels))]
		d := e.Decide(actions.Request{State: st, Channel: ch, N: 5, Now: now, Model: model, Items: cat})
		granted := st != nil && st.Grant().Has(ch)
		if !granted && len(d.Actions) > 0 {
			t.Fatalf("channel %s not granted but chose %v", ch, ids(d))
		}
		for _, a := range d.Actions {
			if a.Channel != ch {
				t.Fatalf("chose %s on %s for channel %s", a.ActionID, a.Channel, ch)
			}
		}
	}
}

// pick returns a random subset of from.
func pick[T any](rng *rand.Rand, from []T) []T {
	var out []T
	for _, x := range from {
		if rng.IntN(2) == 0 {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		out = append(out, from[rng.IntN(len(from))])
	}
	return out
}

// TestCapsHold: delivering whatever Decide chooses, recorded as contacts,
// never exceeds a cap or the channel's contact policy.
func TestCapsHold(t *testing.T) {
	as := []actions.Action{action("a"), action("b"), action("c")}
	as[0].Caps = actions.Caps{MaxPer: 1, Period: "30d"}
	as[1].Caps = actions.Caps{MaxPer: 3, Period: "30d"}
	c := compile(t, as...)
	pol := actions.Policy{consent.Email: {Max: 4, Period: 7 * 24 * time.Hour}}
	e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Policy: pol})
	st := stateWith(full, false)
	at := now
	per := map[string]int{}
	for range 60 {
		at = at.Add(6 * time.Hour)
		d := e.Decide(actions.Request{State: st, Channel: consent.Email, N: 2, Now: at})
		for _, a := range d.Actions {
			st.Contacts = append(st.Contacts, contacts(a.ActionID, consent.Email, 1, at)...)
			per[a.ActionID]++
		}
		if got := recent(st.Contacts, at, 7*24*time.Hour); got > 4 {
			t.Fatalf("%d email contacts within 7 days at %s, policy allows 4", got, at)
		}
	}
	if per["a"] != 1 || per["b"] != 3 {
		t.Errorf("deliveries %v, want a once and b three times (caps over 30 days)", per)
	}
}

// recent counts contacts after at-window, up to at.
func recent(cs []features.Contact, at time.Time, window time.Duration) int {
	n := 0
	for _, c := range cs {
		if c.Time.After(at.Add(-window)) && !c.Time.After(at) {
			n++
		}
	}
	return n
}

// TestPartsSumExactly: every chosen action's reasons sum, in order, to its
// score exactly; the score is propensity × value × weight up to rounding.
func TestPartsSumExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cat, model := recommendtest.World(5, 120)
	var as []actions.Action
	for i := range 30 {
		a := action("a" + itoa(int64(i)))
		a.Items = []string{model.IDs()[rng.IntN(120)], model.IDs()[rng.IntN(120)]}
		if i%3 == 0 {
			a.Items, a.Category = nil, []string{"kitchen", "garden", "books"}[i%9/3]
		}
		a.Value, a.Weight = 1+rng.Float64()*100, 0.1+rng.Float64()*3
		if i%4 == 0 {
			a.When = `customer.declared.favourite_categories != nil`
		}
		as = append(as, a)
	}
	e := engine(t, as...)
	stats := map[string]actions.Observed{"a1": {Impressions: 1000, Clicks: 90}, "a2": {Impressions: 10, Clicks: 9}}
	sawBonus := map[string]bool{}
	for k := range 200 {
		st := stateWith(full, false)
		st.Interactions[consent.Purchases] = history(model.IDs(), rng, 5)
		st.Interactions[consent.Browsing] = history(model.IDs(), rng, 20)
		d := e.Decide(actions.Request{State: st, Channel: consent.Email, N: 20, Now: now, Model: model, Items: cat, Stats: stats})
		if k == 0 && len(d.Actions) == 0 {
			t.Fatal("no action chosen")
		}
		for _, a := range d.Actions {
			var sum float64
			for _, r := range a.Reasons {
				sum += r.Contribution
				sawBonus[r.Kind] = true
			}
			if sum != a.Score {
				t.Fatalf("%s: reasons sum to %v, score %v", a.ActionID, sum, a.Score)
			}
			p := a.Parts
			if f := p.Propensity * p.Value * p.Weight; math.Abs(f-a.Score) > 1e-9*math.Max(1, a.Score) {
				t.Fatalf("%s: score parts %+v give %v, score %v", a.ActionID, p, f, a.Score)
			}
			if want := p.ResponseRate + p.AffinityWeight*p.Affinity*(1-p.ResponseRate); p.Propensity != want || p.Affinity < 0 || p.Affinity > 1 {
				t.Fatalf("%s: propensity %v, want rate + λ·affinity·(1 − rate) = %v", a.ActionID, p.Propensity, want)
			}
			sawBonus["from:"+p.AffinityFrom] = true
		}
	}
	for _, kind := range []string{actions.KindResponseRate, "bought_together", "viewed_recently", "popular_in_category", actions.KindEligibility,
		"from:" + actions.AffinityHistory, "from:" + actions.AffinityCategory, "from:"} {
		if !sawBonus[kind] {
			t.Errorf("no reason of kind %s seen", kind)
		}
	}
}

func history(ids []string, rng *rand.Rand, n int) []features.Interaction {
	out := make([]features.Interaction, n)
	for i := range out {
		out[i] = features.Interaction{Item: ids[rng.IntN(len(ids))], Last: now.Add(-time.Duration(n-i) * time.Hour), Count: 1}
	}
	return out
}

// TestScoreParts: the documented formula, on one action.
func TestScoreParts(t *testing.T) {
	a := action("a")
	a.Value, a.Weight = 50, 2
	e := engine(t, a)
	stats := map[string]actions.Observed{"a": {Impressions: 80, Clicks: 9}}
	d := e.Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, Now: now, Stats: stats})
	if len(d.Actions) != 1 {
		t.Fatalf("decision %+v", d)
	}
	got, want := d.Actions[0].Score, (9.0+1)/(80+20)*50*2
	if got != want {
		t.Errorf("score %v, want rate × value × weight = %v", got, want)
	}
	if r := d.Actions[0].Reasons[0]; r.Kind != actions.KindResponseRate || r.FeatureSet != "none" {
		t.Errorf("first reason %+v, want the response rate", r)
	}
	wantParts := actions.ScoreParts{Value: 50, Weight: 2, ResponseRate: (9.0 + 1) / (80 + 20), Impressions: 80, Clicks: 9,
		AffinityWeight: actions.DefaultAffinityWeight, Propensity: (9.0 + 1) / (80 + 20)}
	if got := d.Actions[0].Parts; got != wantParts {
		t.Errorf("score parts %+v, want %+v", got, wantParts)
	}
	if got, want := e.ResponseRate(stats["a"]), wantParts.ResponseRate; got != want {
		t.Errorf("ResponseRate %v, want %v", got, want)
	}
}

// TestContactsState: a chosen action says how often the customer had
// seen it and anything on its channel, beside the limits it was held to.
func TestContactsState(t *testing.T) {
	a := action("a")
	a.Caps = actions.Caps{MaxPer: 3, Period: "7d", CooldownAfterDismiss: "14d"}
	b := action("b") // no cap
	st := stateWith(full, false)
	st.Contacts = append(contacts("a", consent.Email, 2, now.Add(-24*time.Hour)), contacts("c", consent.Email, 1, now.Add(-time.Hour))...)
	c := compile(t, a, b)
	e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Policy: actions.Policy{consent.Email: {Max: 10, Period: 7 * 24 * time.Hour}}})
	d := e.Decide(actions.Request{State: st, Channel: consent.Email, N: 2, Now: now})
	if len(d.Actions) != 2 {
		t.Fatalf("decision %+v", d)
	}
	for _, tc := range []struct {
		got, want actions.Contacts
	}{
		{d.Actions[0].Contacts, actions.Contacts{Shown: 2, Cap: &actions.PeriodLimit{Max: 3, Period: "7d"}, ChannelShown: 3,
			ChannelLimit: &actions.PeriodLimit{Max: 10, Period: "7d"}, CooldownAfterDismiss: "14d"}},
		{d.Actions[1].Contacts, actions.Contacts{ChannelShown: 3, ChannelLimit: &actions.PeriodLimit{Max: 10, Period: "7d"}}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("contacts %+v (cap %+v, channel %+v), want %+v", tc.got, tc.got.Cap, tc.got.ChannelLimit, tc.want)
		}
	}
}

// TestDismissControl: an action a dismissal holds back offers the
// control that records one, first; one without a cooldown does not.
func TestDismissControl(t *testing.T) {
	a := action("a")
	a.Caps.CooldownAfterDismiss = "30d"
	d := engine(t, a, action("b")).Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, N: 2, Now: now})
	if len(d.Actions) != 2 {
		t.Fatalf("decision %+v", d)
	}
	c := d.Actions[0].Controls[0]
	if c.Kind != actions.ControlDismiss || c.Method != "POST" || c.Path != "/v1/me/actions/a/dismiss" || c.Label != "Not interested in this offer" {
		t.Errorf("first control %+v, want the dismissal of a", c)
	}
	if !reflect.DeepEqual(c.Body, map[string]any{"channel": "email"}) {
		t.Errorf("dismiss body %v", c.Body)
	}
	for _, c := range d.Actions[1].Controls {
		if c.Kind == actions.ControlDismiss {
			t.Errorf("b has no cooldown_after_dismiss but offers %+v", c)
		}
	}
}

// TestControlsAndUsedSets: the customer can leave the channel and stop each
// personal set used; the trace is not in the customer's view.
func TestControlsAndUsedSets(t *testing.T) {
	a := action("a")
	a.When, a.SharesData = `customer.location.country == "DE"`, true
	d := engine(t, a, action("b")).Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, N: 1, Now: now})
	if len(d.Actions) != 1 {
		t.Fatalf("decision %+v", d)
	}
	var labels []string
	for _, c := range d.Actions[0].Controls {
		labels = append(labels, c.Label)
	}
	want := []string{"Unsubscribe from email", "Don't use my location data", "Don't share my data with partners"}
	if !slices.Equal(labels, want) {
		t.Errorf("controls %q, want %q", labels, want)
	}
	if got := d.UsedSets; !slices.Equal(got, []string{"location"}) {
		t.Errorf("used sets %v, want [location]", got)
	}
	if len(d.Suppressed) == 0 || d.ForCustomer().Suppressed != nil {
		t.Errorf("suppressed %v, customer view %v; want a trace only in the record", d.Suppressed, d.ForCustomer().Suppressed)
	}
}
