package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/internal/demo"
	"github.com/candorhq/candor/redisstore"
)

// demoAuthor signs the demo's action catalog in its audit trail.
const demoAuthor = "demo"

// demoActions is the demo shop's action catalog: one of each kind a shop
// runs, across channels, each with its eligibility, value, caps and
// cooldown, so that consent visibly decides what a customer gets (email
// and push opt-ins, sale_share and GPC for the partner offer, location
// for the garden guide, purchase recency for the win-back). Its items
// come from ds, so affinity has evidence to find.
func demoActions(ds *demo.Dataset) actions.Catalog {
	skincare := demoItems(ds, 20, func(it *catalog.Item) bool { return it.Category[0] == "beauty" && it.Category[1] == "skincare" })
	cookware := demoItems(ds, 20, func(it *catalog.Item) bool { return it.Category[0] == "kitchen" && it.Category[1] == "cookware" })
	var restocked []string // one item in 40 across the shop: "back in stock"
	for i, it := range ds.Items {
		if i%40 == 0 && !it.Sensitive {
			restocked = append(restocked, it.ID)
		}
	}
	caps := func(n int, period, cooldown string) actions.Caps {
		return actions.Caps{MaxPer: n, Period: period, CooldownAfterDismiss: cooldown}
	}
	ch := func(cs ...consent.Scope) []consent.Scope { return cs }
	return actions.Catalog{Actions: []actions.Action{
		{ID: "skincare-routine", Name: "Complete your skincare routine: 20% off serums and cleansers", Type: actions.TypeOffer,
			Channels: ch(consent.Onsite), Value: 12, Items: skincare, Category: "beauty", Caps: caps(3, "7d", "14d")},
		{ID: "cookware-week", Name: "Cookware week: 10% off pans and pots", Type: actions.TypeOffer,
			Channels: ch(consent.Onsite), Value: 10, Items: cookware, Category: "kitchen", Caps: caps(3, "7d", "14d")},
		{ID: "loyalty-signup", Name: "Join Candor Rewards: points on every order", Type: actions.TypeService,
			Channels: ch(consent.Onsite, consent.Email), Value: 5, Caps: caps(3, "7d", "30d")},
		{ID: "garden-guide", Name: "Your spring planting guide", Type: actions.TypeContent,
			Channels: ch(consent.Onsite, consent.Email), Value: 4, Category: "garden", Caps: caps(2, "7d", "30d"),
			When: `customer.location.country in ["DE", "AT", "NL"]`},
		{ID: "winback-15", Name: "We miss you: 15% off your next order", Type: actions.TypeOffer,
			Channels: ch(consent.Email), Value: 12, Caps: caps(1, "14d", "30d"),
			When: `customer.purchases.days_since_last >= 45`},
		{ID: "back-in-stock", Name: "Back in stock: something you looked at", Type: actions.TypeService,
			Channels: ch(consent.Push), Value: 8, Items: restocked, Caps: caps(1, "1d", "7d")},
		{ID: "partner-card", Name: "The Candor partner credit card: €50 welcome credit", Type: actions.TypeOffer,
			Channels: ch(consent.Email), Value: 60, SharesData: true, Caps: caps(1, "30d", "90d")},
	}}
}

// demoItems returns the IDs of the first n items of ds that match.
func demoItems(ds *demo.Dataset, n int, match func(*catalog.Item) bool) []string {
	var out []string
	for i := range ds.Items {
		if len(out) < n && match(&ds.Items[i]) {
			out = append(out, ds.Items[i].ID)
		}
	}
	return slices.Clip(out)
}

// seedActions publishes the demo action catalog the way a marketer does
// (draft, validation, publish, audit) unless a catalog is live already,
// and makes it live on this server. It returns a phrase for the summary.
func seedActions(ctx context.Context, st *redisstore.Store, svc *services, ds *demo.Dataset) (string, error) {
	as := actions.NewService(st, nil)
	live, err := as.Live(ctx)
	if err != nil {
		return "", err
	}
	if live.Version() > 0 {
		return fmt.Sprintf("action catalog v%d kept", live.Version()), nil
	}
	if _, err := as.PutDraft(ctx, demoActions(ds), demoAuthor); err != nil {
		return "", err
	}
	cat, err := as.Publish(ctx, demoAuthor)
	if err != nil {
		return "", err
	}
	if err := svc.actionsLive.Reload(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d demo actions live (catalog v%d)", len(cat.Actions), cat.Version), nil
}
