package consent

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
)

func TestDecodeChange(t *testing.T) {
	got, err := DecodeChange([]byte(`{"preset":"basic","scopes":{"location":"granted"},"source":"api","policy_version":"3"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Change{Preset: PresetBasic, Scopes: map[Scope]State{Location: Granted}, Source: SourceAPI, PolicyVersion: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeChange = %+v, want %+v", got, want)
	}

	var viaUnmarshal Change
	if err := json.Unmarshal([]byte(` {"scopes":{"email":"denied"},"policy_version":""} `), &viaUnmarshal); err != nil {
		t.Fatal(err)
	}
	if want := (Change{Scopes: map[Scope]State{Email: Denied}}); !reflect.DeepEqual(viaUnmarshal, want) {
		t.Errorf("json.Unmarshal = %+v, want %+v", viaUnmarshal, want)
	}
}

func TestDecodeChangeRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"unknown field", `{"preset":"basic","presett":"full"}`, `"presett"`},
		{"nested unknown field is a scope", `{"scopes":{"gps":"granted"}}`, `unknown scope "gps"`},
		{"unknown preset", `{"preset":"max"}`, "none, basic, full"},
		{"unknown state", `{"scopes":{"email":"yes"}}`, "granted, denied"},
		{"unknown source", `{"preset":"none","source":"web"}`, "preference_centre, cmp, api, gpc, import"},
		{"numeric policy version", `{"preset":"none","policy_version":3}`, `"policy_version"`},
		{"signed policy version", `{"preset":"none","policy_version":"+3"}`, "policy_version"},
		{"zero policy version", `{"preset":"none","policy_version":"0"}`, "policy_version"},
		{"huge policy version", `{"preset":"none","policy_version":"99999999999"}`, "policy_version"},
		{"scopes not an object", `{"scopes":["email"]}`, `"scopes"`},
		{"state not a string", `{"scopes":{"email":true}}`, "scopes"},
		{"empty", `{}`, "preset"},
		{"null", `null`, "preset"},
		{"not json", `preset=basic`, "not valid JSON"},
		{"truncated", `{"preset":"basic"`, "not valid JSON"},
		{"trailing data", `{"preset":"basic"}{}`, "single JSON object"},
		{"array", `[]`, "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeChange([]byte(tt.in))
			wantCode(t, err, candor.EInvalid)
			if msg := candor.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not mention %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestChangeValidate(t *testing.T) {
	tests := []struct {
		name    string
		ch      Change
		live    int
		wantMsg string // "" for valid
	}{
		{"preset only", Change{Preset: PresetFull}, 3, ""},
		{"scopes only, no source", Change{Scopes: map[Scope]State{SMS: Granted}}, 3, ""},
		{"older version", Change{Preset: PresetFull, PolicyVersion: 2}, 3, ""},
		{"live version", Change{Preset: PresetFull, PolicyVersion: 3}, 3, ""},
		{"newer version", Change{Preset: PresetFull, PolicyVersion: 4}, 3, "newer than the live policy version 3"},
		{"negative version", Change{Preset: PresetFull, PolicyVersion: -1}, 3, "out of range"},
		{"unknown preset", Change{Preset: "all"}, 3, "valid presets are none, basic, full"},
		{"unknown scope", Change{Scopes: map[Scope]State{"gps": Granted, "aaa": Denied}}, 3, `unknown scope "aaa"`},
		{"bad state", Change{Scopes: map[Scope]State{Email: "maybe"}}, 3, "scope email"},
		{"bad source", Change{Preset: PresetNone, Source: "x"}, 3, "valid sources"},
		{"nothing", Change{}, 3, "needs a preset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ch.Validate(tt.live)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			wantCode(t, err, candor.EInvalid)
			if msg := candor.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestChangeJSONRoundTrip(t *testing.T) {
	ch := Change{Preset: PresetFull, Scopes: map[Scope]State{Sensitive: Granted}, Source: SourceCMP, PolicyVersion: 12}
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"preset":"full","scopes":{"sensitive":"granted"},"source":"cmp","policy_version":"12"}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	back, err := DecodeChange(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ch) {
		t.Errorf("round trip = %+v, want %+v", back, ch)
	}
}

// apply writes recs over stored, as the store does.
func apply(stored map[Scope]Record, recs []Record) map[Scope]Record {
	out := maps.Clone(stored)
	if out == nil {
		out = make(map[Scope]Record)
	}
	for _, r := range recs {
		out[r.Scope] = r
	}
	return out
}

func scopesOf(recs []Record) []Scope {
	var out []Scope
	for _, r := range recs {
		out = append(out, r.Scope)
	}
	return out
}

func TestPlanPresetWithOverride(t *testing.T) {
	ch := Change{Preset: PresetBasic, Scopes: map[Scope]State{Location: Granted, Declared: Denied, Email: Granted}}
	got := Plan(nil, ch, t0, 4)
	want := []Record{
		rec(Browsing, Denied, t0, 4, SourceAPI),
		rec(Purchases, Denied, t0, 4, SourceAPI),
		rec(Declared, Denied, t0, 4, SourceAPI),
		rec(Location, Granted, t0, 4, SourceAPI),
		rec(Demographics, Denied, t0, 4, SourceAPI),
		rec(Sensitive, Denied, t0, 4, SourceAPI),
		rec(Onsite, Granted, t0, 4, SourceAPI),
		rec(Email, Granted, t0, 4, SourceAPI),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Plan =\n%+v\nwant\n%+v", got, want)
	}
	for _, r := range got {
		if err := r.Validate(); err != nil {
			t.Errorf("planned an invalid record: %v", err)
		}
	}
}

func TestPlanIdempotent(t *testing.T) {
	changes := []Change{
		{Preset: PresetFull},
		{Preset: PresetNone, Source: SourceCMP},
		{Preset: PresetBasic, Scopes: map[Scope]State{Sensitive: Granted, SaleShare: Denied}, PolicyVersion: 2},
		GPCChange(),
	}
	for _, ch := range changes {
		first := Plan(nil, ch, t0, 3)
		if len(first) == 0 {
			t.Fatalf("%+v: first Plan wrote nothing", ch)
		}
		stored := apply(nil, first)
		for _, later := range []time.Duration{0, time.Millisecond, 24 * time.Hour} {
			if again := Plan(stored, ch, t0.Add(later), 3); len(again) != 0 {
				t.Errorf("%+v: Plan again after %v = %v, want nothing", ch, later, scopesOf(again))
			}
		}
	}
}

func TestPlanRewrites(t *testing.T) {
	stored := apply(nil, Plan(nil, Change{Preset: PresetBasic}, t0, 1))
	tests := []struct {
		name string
		ch   Change
		now  time.Time
		live int
		want []Scope
	}{
		{"same change", Change{Preset: PresetBasic}, t0, 1, nil},
		{"other source", Change{Preset: PresetBasic, Source: SourceCMP}, t0, 1, presetScopes},
		{"new live version", Change{Scopes: map[Scope]State{Declared: Granted, Browsing: Denied}}, t0, 2, []Scope{Browsing, Declared}},
		{"explicit old version", Change{Scopes: map[Scope]State{Declared: Granted}, PolicyVersion: 1}, t0, 2, nil},
		{"expired grant renewed", Change{Preset: PresetBasic}, t0.Add(DefaultMaxAge), 1, []Scope{Declared, Onsite}},
		{"one scope flipped", Change{Preset: PresetBasic, Scopes: map[Scope]State{Browsing: Granted}}, t0, 1, []Scope{Browsing}},
		{"untouched scope added", Change{Scopes: map[Scope]State{Push: Denied}}, t0, 1, []Scope{Push}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scopesOf(Plan(stored, tt.ch, tt.now, tt.live))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Plan rewrote %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanForRenewsByConfiguredMaxAge(t *testing.T) {
	ch := Change{Scopes: map[Scope]State{Browsing: Granted}}
	stored := apply(nil, Plan(nil, ch, t0, 1))
	req := Request{Now: t0.Add(31 * 24 * time.Hour), PolicyVersion: 1, MaxAge: 30 * 24 * time.Hour}
	got := PlanFor(stored, ch, req)
	if len(got) != 1 || !got[0].Time.Equal(req.Now) {
		t.Fatalf("PlanFor = %+v, want a renewed browsing grant", got)
	}
	if e := Evaluate(apply(stored, got), req).Effective(Browsing); !e.Granted {
		t.Errorf("after renewal: %+v", e)
	}
}

// TestPlanHistory: a change with a Time is recorded at that time; a later
// stored answer is never overwritten by an earlier one, and planning the
// same history again writes nothing, however it interleaves.
func TestPlanHistory(t *testing.T) {
	t1, t2, t3 := t0.Add(-72*time.Hour), t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)
	history := []Change{
		{Preset: PresetFull, Source: SourceCMP, Time: t1},
		{Scopes: map[Scope]State{Browsing: Denied}, Source: SourceCMP, Time: t2},
		{Scopes: map[Scope]State{Browsing: Granted}, Source: SourceCMP, Time: t3, Expiry: t0.Add(24 * time.Hour)},
	}
	var stored map[Scope]Record
	var wrote []Record
	for _, ch := range history {
		got := Plan(stored, ch, t0, 1)
		for _, r := range got {
			if !r.Time.Equal(ch.Time) {
				t.Errorf("%s recorded at %v, want the change's time %v", r.Scope, r.Time, ch.Time)
			}
		}
		stored, wrote = apply(stored, got), append(wrote, got...)
	}
	if len(wrote) != len(presetScopes)+2 {
		t.Errorf("history wrote %d records, want %d", len(wrote), len(presetScopes)+2)
	}
	if b := stored[Browsing]; b.State != Granted || !b.Expiry.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("browsing = %+v, want the last answer with its expiry", b)
	}
	for i, ch := range history {
		if again := Plan(stored, ch, t0.Add(time.Hour), 1); len(again) != 0 {
			t.Errorf("change %d planned again: %v, want nothing", i, scopesOf(again))
		}
	}
	tests := []struct {
		name string
		ch   Change
		want []Scope
	}{
		{"later identical denial", Change{Scopes: map[Scope]State{Sensitive: Denied}, Source: SourceCMP, Time: t0}, nil},
		{"later identical grant renews", Change{Scopes: map[Scope]State{Declared: Granted}, Source: SourceCMP, Time: t0}, []Scope{Declared}},
		{"later answer from another source", Change{Scopes: map[Scope]State{Sensitive: Denied}, Source: SourceImport, Time: t0}, []Scope{Sensitive}},
		{"earlier answer", Change{Scopes: map[Scope]State{Declared: Denied}, Source: SourceCMP, Time: t1.Add(-time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scopesOf(Plan(stored, tt.ch, t0.Add(time.Hour), 1)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Plan wrote %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChangeTimesValidate(t *testing.T) {
	for _, tc := range []struct {
		ch   Change
		want string
	}{
		{Change{Preset: PresetFull, Time: t0, Expiry: t0}, "is not after time"},
		{Change{Preset: PresetFull, Time: time.Unix(0, 0)}, "out of range"},
		{Change{Preset: PresetFull, Expiry: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "out of range"},
	} {
		err := tc.ch.Validate(1)
		wantCode(t, err, candor.EInvalid)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.ch, err, tc.want)
		}
	}
	if err := (Change{Preset: PresetFull, Time: t0, Expiry: t0.Add(time.Hour)}).Validate(1); err != nil {
		t.Errorf("valid times: %v", err)
	}
}

// FuzzDecodeChange checks that DecodeChange never panics, that its errors are
// EInvalid, and that what it accepts survives a JSON round trip.
func FuzzDecodeChange(f *testing.F) {
	f.Add([]byte(`{"preset":"basic","scopes":{"location":"granted"},"source":"api","policy_version":"3"}`))
	f.Add([]byte(`{"scopes":{"sale_share":"denied"},"source":"gpc"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := DecodeChange(b)
		if err != nil {
			wantCode(t, err, candor.EInvalid)
			return
		}
		if err := ch.Validate(MaxPolicyVersion); err != nil {
			t.Fatalf("decoded change fails Validate: %v", err)
		}
		out, err := json.Marshal(ch)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeChange(out)
		if err != nil || !reflect.DeepEqual(back, ch) {
			t.Fatalf("round trip of %s = %+v, %v; want %+v", out, back, err, ch)
		}
	})
}
