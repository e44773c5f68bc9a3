package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/redisstore"
)

func keysCommand() *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "manage API keys in the Redis named by REDIS_URL",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create a key and print it once (only its SHA-256 is stored)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "role", Required: true, Usage: "site, marketer or admin"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "who the key is for, e.g. 'shop-frontend'"},
				},
				Action: keysCreate,
			},
			{Name: "list", Usage: "list keys (id, role, name, created)", Action: keysList},
			{Name: "revoke", Usage: "revoke the key with the given id", ArgsUsage: "ID", Action: keysRevoke},
		},
	}
}

// withStore opens the configured Redis for a one-shot command.
func withStore(ctx context.Context, cmd *cli.Command, f func(context.Context, *redisstore.Store) error) error {
	return withStoreTimeout(ctx, cmd, 0, f)
}

// withStoreTimeout is withStore with a Redis timeout of at least atLeast:
// a batch job is on no one's request path, and a write the busy server
// takes long for is better waited for than retried.
func withStoreTimeout(ctx context.Context, cmd *cli.Command, atLeast time.Duration, f func(context.Context, *redisstore.Store) error) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if !cfg.external() {
		return usagef("'%s' needs REDIS_URL (or REDIS_CLUSTER_ADDRS or REDIS_SENTINEL_MASTER): the embedded Redis lives only inside 'candor serve'", cmd.FullName())
	}
	opt := cfg.Redis
	opt.ReadTimeout, opt.WriteTimeout = max(cfg.RedisTimeout, atLeast), max(cfg.RedisTimeout, atLeast)
	st, err := redisstore.Open(opt, cfg.Namespace)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		return fmt.Errorf("Redis at %s: %w", cfg.Redis.Describe(), err)
	}
	return f(ctx, st)
}

func keysCreate(ctx context.Context, cmd *cli.Command) error {
	role, err := auth.ParseRole(cmd.String("role"))
	if err != nil {
		return usagef("--role %q: use site, marketer or admin", cmd.String("role"))
	}
	name := cmd.String("name")
	if !auth.ValidName(name) {
		return usagef("--name must be 1-64 printable characters")
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		plain, k := auth.NewKey(role, name, time.Now())
		if err := st.PutKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().Writer, "created %s key %q (id %s)\n%s\nStore it now: it cannot be shown again.\n", k.Role, k.Name, k.ID, plain)
		return nil
	})
}

func keysList(ctx context.Context, cmd *cli.Command) error {
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		keys, err := st.ListKeys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.Root().Writer, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tROLE\tNAME\tCREATED")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Name, k.Created.Format(time.RFC3339))
		}
		return w.Flush()
	})
}

func keysRevoke(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("'candor keys revoke' takes exactly one key id (see 'candor keys list')")
	}
	id := cmd.Args().First()
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		if err := st.RevokeKey(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().Writer, "revoked key %s\n", id)
		return nil
	})
}
