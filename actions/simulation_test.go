package actions_test

import (
	"testing"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// TestSimulate counts who gets which action and why others get none.
func TestSimulate(t *testing.T) {
	de, shares := action("de"), action("shares")
	de.When = `customer.location.country == "DE"`
	shares.SharesData, shares.Value = true, 5
	e := engine(t, de, shares)
	customers := []*features.State{
		stateWith(full, false),                                         // both
		stateWith(without(consent.SaleShare), false),                   // de only
		stateWith(without(consent.Location), false),                    // shares only
		stateWith(without(consent.Email), false),                       // none: channel
		stateWith(without(consent.Location, consent.SaleShare), false), // none: not eligible
		nil, // anonymous: none, channel
	}
	got := e.Simulate(customers, consent.Email, actions.Request{N: 2, Now: now})
	if got.Customers != 6 || got.None != 3 {
		t.Errorf("customers %d, none %d; want 6 and 3", got.Customers, got.None)
	}
	if got.PerAction["de"] != 2 || got.PerAction["shares"] != 2 {
		t.Errorf("per action %v, want de 2 and shares 2", got.PerAction)
	}
	if got.NoneWhy[actions.NoneNoChannelConsent] != 2 || got.NoneWhy[actions.NoneNotEligible] != 1 {
		t.Errorf("none why %v", got.NoneWhy)
	}
	want := map[string]map[string]int{
		"de":     {actions.ReasonNoChannelConsent: 2, actions.ReasonNoFeatureSetConsent: 2},
		"shares": {actions.ReasonNoChannelConsent: 2, actions.ReasonNoSaleShare: 2},
	}
	for id, reasons := range want {
		for r, n := range reasons {
			if got.Suppressed[id][r] != n {
				t.Errorf("%s suppressed for %s %d times, want %d (all: %v)", id, r, got.Suppressed[id][r], n, got.Suppressed)
			}
		}
	}
}
