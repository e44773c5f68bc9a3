package consent

import "strings"

// Grant is the set of scopes a customer's consent allows for one request. Its
// fields are unexported: only this package makes a non-zero Grant (through
// Decision.Grant), so code that reads personal features and takes a Grant can
// only be called with what Evaluate allowed. The zero Grant grants nothing.
type Grant struct {
	mask uint32 // bit i is AllScopes[i]
}

// Has reports whether g grants s. It is false for unknown scopes.
func (g Grant) Has(s Scope) bool {
	b := s.bit()
	return b >= 0 && g.mask&(1<<b) != 0
}

// Scopes returns the granted scopes in canonical (AllScopes) order.
func (g Grant) Scopes() []Scope { return g.filter(AllScopes) }

// FeatureSets returns the granted feature sets in canonical order.
func (g Grant) FeatureSets() []Scope { return g.filter(FeatureSets) }

// Mask returns the granted scopes as a bitmask, bit i standing for
// AllScopes[i], for passing to the store's scripts. There is deliberately no
// way to make a Grant from a mask outside this package.
func (g Grant) Mask() uint32 { return g.mask }

// String lists the granted scopes, comma-separated, or "" for none.
func (g Grant) String() string {
	var b strings.Builder
	for i, s := range g.Scopes() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

func (g Grant) filter(scopes []Scope) []Scope {
	var out []Scope
	for _, s := range scopes {
		if g.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// with returns g plus s.
func (g Grant) with(s Scope) Grant {
	if b := s.bit(); b >= 0 {
		g.mask |= 1 << b
	}
	return g
}
