package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/candorhq/candor/auth"
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
	sum, err := seedDemo(ctx, st, svc, time.Now())
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	fmt.Fprintf(out, "  demo data: %s\n", sum)
	return nil
}
