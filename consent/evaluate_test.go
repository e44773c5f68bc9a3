package consent

import (
	"slices"
	"testing"
	"time"
)

func TestEvaluateRules(t *testing.T) {
	day := 24 * time.Hour
	grant := rec(Browsing, Granted, t0, 2, SourceAPI)
	withExpiry := grant
	withExpiry.Expiry = t0.Add(day)
	tests := []struct {
		name        string
		scope       Scope
		stored      []Record
		req         Request
		wantGranted bool
		wantReason  string
	}{
		{"no record", Browsing, nil, Request{Now: t0, PolicyVersion: 2}, false, ReasonNoRecord},
		{"granted", Browsing, []Record{grant}, Request{Now: t0, PolicyVersion: 2}, true, ""},
		{"denied", Browsing, []Record{rec(Browsing, Denied, t0, 2, SourceAPI)}, Request{Now: t0, PolicyVersion: 2}, false, ReasonDenied},
		{"garbage state fails closed", Browsing, []Record{rec(Browsing, "yes", t0, 2, SourceAPI)}, Request{Now: t0, PolicyVersion: 2}, false, ReasonDenied},
		{"just inside default max age", Browsing, []Record{grant}, Request{Now: t0.Add(DefaultMaxAge - time.Millisecond), PolicyVersion: 2}, true, ""},
		{"expired by default max age", Browsing, []Record{grant}, Request{Now: t0.Add(DefaultMaxAge), PolicyVersion: 2}, false, ReasonExpired},
		{"expired by configured max age", Browsing, []Record{grant}, Request{Now: t0.Add(31 * day), PolicyVersion: 2, MaxAge: 30 * day}, false, ReasonExpired},
		{"inside configured max age", Browsing, []Record{grant}, Request{Now: t0.Add(29 * day), PolicyVersion: 2, MaxAge: 30 * day}, true, ""},
		{"before explicit expiry", Browsing, []Record{withExpiry}, Request{Now: t0.Add(day - time.Millisecond), PolicyVersion: 2}, true, ""},
		{"expired by explicit expiry", Browsing, []Record{withExpiry}, Request{Now: t0.Add(day), PolicyVersion: 2}, false, ReasonExpired},
		{"sub-millisecond now truncated", Browsing, []Record{withExpiry}, Request{Now: t0.Add(day - time.Microsecond), PolicyVersion: 2}, true, ""},
		{"older policy version", Browsing, []Record{grant}, Request{Now: t0, PolicyVersion: 3}, false, ReasonReconsentNeeded},
		{"newer policy version", Browsing, []Record{grant}, Request{Now: t0, PolicyVersion: 1}, true, ""},
		{"zero live version is 1", Browsing, []Record{rec(Browsing, Granted, t0, 1, SourceAPI)}, Request{Now: t0}, true, ""},
		{"expired beats reconsent", Browsing, []Record{grant}, Request{Now: t0.Add(DefaultMaxAge), PolicyVersion: 3}, false, ReasonExpired},
		{"denial beats expiry", Browsing, []Record{rec(Browsing, Denied, t0, 1, SourceAPI)}, Request{Now: t0.Add(DefaultMaxAge), PolicyVersion: 3}, false, ReasonDenied},
		{"gpc overrides stored grant", SaleShare, []Record{rec(SaleShare, Granted, t0, 2, SourcePreferenceCentre)}, Request{Now: t0, PolicyVersion: 2, GPC: true}, false, ReasonGPC},
		{"gpc without record", SaleShare, nil, Request{Now: t0, PolicyVersion: 2, GPC: true}, false, ReasonGPC},
		{"sale_share without gpc", SaleShare, []Record{rec(SaleShare, Granted, t0, 2, SourcePreferenceCentre)}, Request{Now: t0, PolicyVersion: 2}, true, ""},
		{"gpc leaves other scopes", Email, []Record{rec(Email, Granted, t0, 2, SourceAPI)}, Request{Now: t0, PolicyVersion: 2, GPC: true}, true, ""},
		{"sensitive by explicit record", Sensitive, []Record{rec(Sensitive, Granted, t0, 2, SourcePreferenceCentre)}, Request{Now: t0, PolicyVersion: 2}, true, ""},
		{"sensitive without record", Sensitive, []Record{grant}, Request{Now: t0, PolicyVersion: 2}, false, ReasonNoRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := make(map[Scope]Record)
			for _, r := range tt.stored {
				stored[r.Scope] = r
			}
			got := Evaluate(stored, tt.req).Effective(tt.scope)
			if got.Granted != tt.wantGranted || got.Reason != tt.wantReason {
				t.Errorf("Evaluate(%s) = granted %v reason %q, want granted %v reason %q",
					tt.scope, got.Granted, got.Reason, tt.wantGranted, tt.wantReason)
			}
			want, has := stored[tt.scope]
			if has != (got.Record != nil) || (got.Record != nil && *got.Record != want) {
				t.Errorf("Record = %v, want %v (stored %v)", got.Record, want, has)
			}
		})
	}
}

func TestSensitiveNeverByPreset(t *testing.T) {
	for _, p := range Presets {
		recs := Plan(nil, Change{Preset: p}, t0, 1)
		d := Evaluate(Replay(Chain(GenesisHash, 1, recs)), Request{Now: t0, PolicyVersion: 1})
		if got := d.Effective(Sensitive); got.Granted || got.Reason != ReasonDenied {
			t.Errorf("preset %s: sensitive = %+v, want denied", p, got)
		}
		if d.Grant().Has(Sensitive) {
			t.Errorf("preset %s: Grant has sensitive", p)
		}
	}
}

func TestDecisionOrderAndGrant(t *testing.T) {
	stored := map[Scope]Record{
		Location:  rec(Location, Granted, t0, 1, SourceAPI),
		Browsing:  rec(Browsing, Granted, t0, 1, SourceAPI),
		Email:     rec(Email, Granted, t0, 1, SourceAPI),
		Purchases: rec(Purchases, Denied, t0, 1, SourceAPI),
	}
	d := Evaluate(stored, Request{Now: t0, PolicyVersion: 1})
	var order []Scope
	for _, e := range d.Scopes {
		order = append(order, e.Scope)
	}
	if !slices.Equal(order, AllScopes) {
		t.Fatalf("order = %v, want %v", order, AllScopes)
	}
	g := d.Grant()
	if got, want := g.FeatureSets(), []Scope{Browsing, Location}; !slices.Equal(got, want) {
		t.Errorf("FeatureSets = %v, want %v", got, want)
	}
	if got, want := g.Scopes(), []Scope{Browsing, Location, Email}; !slices.Equal(got, want) {
		t.Errorf("Scopes = %v, want %v", got, want)
	}
	if got, want := g.Mask(), uint32(1<<0|1<<3|1<<7); got != want {
		t.Errorf("Mask = %b, want %b", got, want)
	}
	if got, want := g.String(), "browsing,location,email"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if g.Has(Purchases) || g.Has("gps") {
		t.Error("Grant has a denied or unknown scope")
	}
	if got := d.Effective("gps"); got.Granted || got.Reason != ReasonNoRecord {
		t.Errorf("Effective(unknown) = %+v", got)
	}
}

func TestZeroGrantGrantsNothing(t *testing.T) {
	var g Grant
	for _, s := range AllScopes {
		if g.Has(s) {
			t.Errorf("zero Grant has %s", s)
		}
	}
	if g.FeatureSets() != nil || g.Scopes() != nil || g.Mask() != 0 || g.String() != "" {
		t.Errorf("zero Grant = %v %v %d %q", g.FeatureSets(), g.Scopes(), g.Mask(), g.String())
	}
	if got := Evaluate(nil, Request{Now: t0, PolicyVersion: 1}).Grant(); got != (Grant{}) {
		t.Errorf("Evaluate(no records).Grant() = %v, want zero", got)
	}
}
