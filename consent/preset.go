package consent

import "github.com/candorhq/candor"

// Presets map a customer's single choice ("how much personalization?") to
// scopes. A preset sets every feature-set scope (the listed ones granted, all
// others denied) and the onsite channel:
//
//	none   every feature set denied, onsite denied (context only)
//	basic  declared granted, other feature sets denied, onsite granted
//	full   browsing, purchases, declared, location, demographics granted,
//	       sensitive denied, onsite granted
//
// A preset never touches email, sms, push or sale_share: e-marketing channels
// need an explicit opt-in per channel (ePrivacy) and sale needs its own
// answer (CCPA), so those scopes change only through per-scope values. A
// preset never grants sensitive (it writes a denial for it); sensitive is
// granted only by an explicit per-scope value.
const (
	PresetNone  = "none"
	PresetBasic = "basic"
	PresetFull  = "full"
)

// Presets lists the preset names in order of increasing personalization.
var Presets = []string{PresetNone, PresetBasic, PresetFull}

// presetGrants lists the scopes each preset grants; the other scopes in
// presetScopes are denied.
var presetGrants = map[string][]Scope{
	PresetNone:  nil,
	PresetBasic: {Declared, Onsite},
	PresetFull:  {Browsing, Purchases, Declared, Location, Demographics, Onsite},
}

// presetScopes are the scopes every preset sets: all feature sets and onsite.
var presetScopes = append(append([]Scope{}, FeatureSets...), Onsite)

// PresetStates returns the state a preset sets for each scope it touches, or
// an EInvalid error listing the valid presets. The map is new on every call.
func PresetStates(preset string) (map[Scope]State, error) {
	grants, ok := presetGrants[preset]
	if !ok {
		return nil, candor.Errorf(candor.EInvalid, "unknown preset %q: valid presets are %s", preset, JoinNames(Presets))
	}
	states := make(map[Scope]State, len(presetScopes))
	for _, s := range presetScopes {
		states[s] = Denied
	}
	for _, s := range grants {
		states[s] = Granted
	}
	return states, nil
}
