package recommend

import (
	"slices"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// Placements where recommendations are shown.
var Placements = []string{"home", "product", "cart", "email"}

// Request is one "what should this customer see next?".
type Request struct {
	CustomerID  string   // empty for anonymous visitors
	AnonymousID string   // never used to read stored data
	N           int      // 1-100, default 10
	Placement   string   // home | product | cart | email; default home
	ItemID      string   // the item being viewed (context)
	Cart        []string // items in the cart (context)
	Category    string   // the category being browsed (context)
	GPC         bool     // Sec-GPC: 1
	Now         time.Time
}

// MaxN is the most items one request may ask for.
const MaxN = 100

// Normalize fills defaults and validates; errors are EInvalid.
func (r *Request) Normalize(now time.Time) error {
	if r.N == 0 {
		r.N = 10
	}
	if r.N < 1 || r.N > MaxN {
		return candor.Errorf(candor.EInvalid, "n must be between 1 and %d, got %d", MaxN, r.N)
	}
	if r.Placement == "" {
		r.Placement = "home"
	}
	if !slices.Contains(Placements, r.Placement) {
		return candor.Errorf(candor.EInvalid, "placement %q must be one of %s", r.Placement, strings.Join(Placements, ", "))
	}
	if r.CustomerID != "" && r.AnonymousID != "" {
		return candor.Errorf(candor.EInvalid, "send customer_id or anonymous_id, not both")
	}
	for _, f := range []struct{ name, v string }{{"customer_id", r.CustomerID}, {"anonymous_id", r.AnonymousID}, {"item_id", r.ItemID}} {
		if f.v != "" {
			if err := candor.ValidateID(f.name, f.v); err != nil {
				return err
			}
		}
	}
	if len(r.Cart) > 100 {
		return candor.Errorf(candor.EInvalid, "cart may hold at most 100 items")
	}
	for _, c := range r.Cart {
		if err := candor.ValidateID("cart item", c); err != nil {
			return err
		}
	}
	if len(r.Category) > 64 {
		return candor.Errorf(candor.EInvalid, "category must be at most 64 characters")
	}
	if r.Now.IsZero() {
		r.Now = now
	}
	return nil
}
