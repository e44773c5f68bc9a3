package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/internal/demo"
	"github.com/candorhq/candor/redisstore"
)

// demoTokenTTL is how long a demo shop's customer token lasts.
const demoTokenTTL = time.Hour

// startDemo seeds the embedded Redis, creates one API key per role and
// prints the URL and the keys: the first lines a new user sees. It returns
// what the demo shop page needs.
func startDemo(ctx context.Context, st *redisstore.Store, svc *services, kr *auth.Keyring, url string, out io.Writer) (*httpapi.Demo, error) {
	fmt.Fprintf(out, "Candor listening on %s (embedded Redis, demo data)\n", url)
	fmt.Fprintf(out, "  demo shop: %s/demo\n", url)
	keys := make(map[auth.Role]string, len(auth.Roles))
	for _, role := range auth.Roles {
		plain, k := auth.NewKey(role, "demo-"+string(role), time.Now())
		if err := st.PutKey(ctx, k); err != nil {
			return nil, fmt.Errorf("create demo key: %w", err)
		}
		keys[role] = plain
	}
	for _, role := range auth.Roles {
		fmt.Fprintf(out, "  demo %-8s key: %s\n", role, keys[role])
	}
	fmt.Fprintf(out, "  try: curl -H 'Authorization: Bearer %s' %s/v1/whoami\n", keys[auth.RoleSite], url)
	if err := kr.Reload(ctx); err != nil {
		return nil, err
	}
	ds := demo.Generate(demo.DefaultConfig(time.Now()))
	sum, err := seedDataset(ctx, st, svc, ds)
	if err != nil {
		return nil, fmt.Errorf("seed demo data: %w", err)
	}
	fmt.Fprintf(out, "  demo data: %s\n", sum)
	if err := printDemoToken(out, svc, ds); err != nil {
		return nil, err
	}
	return demoShop(svc, ds, keys), nil
}

// demoShop picks the demo shop's customers (some of each consent level)
// and signs their tokens with the demo's secret.
func demoShop(svc *services, ds *demo.Dataset, keys map[auth.Role]string) *httpapi.Demo {
	d := &httpapi.Demo{SiteKey: keys[auth.RoleSite], MarketerKey: keys[auth.RoleMarketer],
		Token: func(id string) (string, error) {
			if svc.tokenSecret == "" {
				return "", candor.Errorf(candor.EUnavailable, "customer tokens are not HS256 on this server")
			}
			return auth.SignHMAC([]byte(svc.tokenSecret), id, demoTokenTTL, time.Now())
		},
		Picture: func(id string) ([]byte, bool) {
			it, ok := svc.catalog.Load().Get(id)
			if !ok {
				return nil, false
			}
			return demo.Picture(it), true
		}}
	want := map[string]int{consent.PresetFull: 6, consent.PresetBasic: 3, consent.PresetNone: 3}
	for _, c := range ds.Customers {
		if want[c.Preset] > 0 {
			want[c.Preset]--
			d.Customers = append(d.Customers, httpapi.DemoCustomer{ID: c.ID, Preset: c.Preset})
		}
	}
	return d
}

// printDemoToken prints a customer token for a full-consent demo customer,
// so the customer routes (/v1/me/...) can be tried at once.
func printDemoToken(out io.Writer, svc *services, ds *demo.Dataset) error {
	if svc.tokenSecret == "" {
		return nil
	}
	for _, c := range ds.Customers {
		if c.Preset == consent.PresetFull {
			tok, err := auth.SignHMAC([]byte(svc.tokenSecret), c.ID, 12*time.Hour, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  demo customer %s token (12 h): %s\n", c.ID, tok)
			return nil
		}
	}
	return nil
}
