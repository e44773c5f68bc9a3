package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/internal/demo"
	"github.com/candorhq/candor/redisstore"
)

// startDemo seeds the embedded Redis, creates one API key per role and
// prints the URL and the keys: the first lines a new user sees.
func startDemo(ctx context.Context, st *redisstore.Store, svc *services, kr *auth.Keyring, url string, out io.Writer) error {
	fmt.Fprintf(out, "Candor listening on %s (embedded Redis, demo data)\n", url)
	keys := make(map[auth.Role]string, len(auth.Roles))
	for _, role := range auth.Roles {
		plain, k := auth.NewKey(role, "demo-"+string(role), time.Now())
		if err := st.PutKey(ctx, k); err != nil {
			return fmt.Errorf("create demo key: %w", err)
		}
		keys[role] = plain
	}
	for _, role := range auth.Roles {
		fmt.Fprintf(out, "  demo %-8s key: %s\n", role, keys[role])
	}
	fmt.Fprintf(out, "  try: curl -H 'Authorization: Bearer %s' %s/v1/whoami\n", keys[auth.RoleSite], url)
	if err := kr.Reload(ctx); err != nil {
		return err
	}
	ds := demo.Generate(demo.DefaultConfig(time.Now()))
	sum, err := seedDataset(ctx, st, svc, ds)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	fmt.Fprintf(out, "  demo data: %s\n", sum)
	return printDemoToken(out, svc, ds)
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
