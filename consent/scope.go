// Package consent owns the consent taxonomy, consent records, the hash-chained
// consent log and the one pure function that turns a customer's records and a
// request into the effective decision. Only this package can make a Grant, and
// code that reads personal features must be handed one.
package consent

import (
	"strings"

	"github.com/candorhq/candor"
)

// Scope is one thing a customer can consent to: a feature set, a channel for
// actions, or sale_share.
type Scope string

// Feature-set scopes.
const (
	Browsing     Scope = "browsing"     // views, searches, add-to-cart
	Purchases    Scope = "purchases"    // orders and ratings
	Declared     Scope = "declared"     // preferences the customer states
	Location     Scope = "location"     // coarse: country, region
	Demographics Scope = "demographics" // age band etc.
	Sensitive    Scope = "sensitive"    // special categories; explicit grant only
)

// Channel scopes, for next-best-actions.
const (
	Onsite Scope = "onsite"
	Email  Scope = "email"
	SMS    Scope = "sms"
	Push   Scope = "push"
)

// SaleShare is consent to let data leave the first party. A GPC signal denies
// it for the request whatever is stored.
const SaleShare Scope = "sale_share"

// FeatureSets lists the feature-set scopes in their canonical order.
var FeatureSets = []Scope{Browsing, Purchases, Declared, Location, Demographics, Sensitive}

// Channels lists the channel scopes in their canonical order.
var Channels = []Scope{Onsite, Email, SMS, Push}

// AllScopes lists every scope in canonical order: feature sets, channels,
// sale_share. The index of a scope in this list is its bit in a Grant.
var AllScopes = append(append(append([]Scope{}, FeatureSets...), Channels...), SaleShare)

// IsFeatureSet reports whether s names a feature set.
func (s Scope) IsFeatureSet() bool { return s.bit() >= 0 && s.bit() < len(FeatureSets) }

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s.bit() >= 0 }

func (s Scope) bit() int {
	for i, x := range AllScopes {
		if x == s {
			return i
		}
	}
	return -1
}

// ParseScope returns the scope named s, or an EInvalid error listing the
// valid scopes.
func ParseScope(s string) (Scope, error) {
	if sc := Scope(s); sc.Valid() {
		return sc, nil
	}
	return "", candor.Errorf(candor.EInvalid, "unknown scope %q: valid scopes are %s", s, JoinNames(AllScopes))
}

// JoinNames renders names as "a, b, c" for error messages.
func JoinNames[T ~string](names []T) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}
