package consent

import (
	"maps"
	"testing"
)

func TestPresetStates(t *testing.T) {
	g, d := Granted, Denied
	tests := []struct {
		preset string
		want   map[Scope]State
	}{
		{PresetNone, map[Scope]State{Browsing: d, Purchases: d, Declared: d, Location: d, Demographics: d, Sensitive: d, Onsite: d}},
		{PresetBasic, map[Scope]State{Browsing: d, Purchases: d, Declared: g, Location: d, Demographics: d, Sensitive: d, Onsite: g}},
		{PresetFull, map[Scope]State{Browsing: g, Purchases: g, Declared: g, Location: g, Demographics: g, Sensitive: d, Onsite: g}},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			got, err := PresetStates(tt.preset)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("PresetStates(%q) = %v, want %v", tt.preset, got, tt.want)
			}
		})
	}
}

func TestPresetsNeverTouchOptInScopesOrGrantSensitive(t *testing.T) {
	for _, p := range Presets {
		states, err := PresetStates(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []Scope{Email, SMS, Push, SaleShare} {
			if st, ok := states[s]; ok {
				t.Errorf("preset %s sets %s to %s", p, s, st)
			}
		}
		if states[Sensitive] != Denied {
			t.Errorf("preset %s sets sensitive to %q, want denied", p, states[Sensitive])
		}
	}
}

func TestPresetStatesUnknown(t *testing.T) {
	_, err := PresetStates("max")
	wantCode(t, err, "invalid")
}
