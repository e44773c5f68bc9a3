package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/redisstore"
)

func consentCommand() *cli.Command {
	return &cli.Command{
		Name:  "consent",
		Usage: "inspect the consent ledger in REDIS_URL",
		Commands: []*cli.Command{{
			Name:  "verify",
			Usage: "verify a customer's hash-chained consent log; exits 1 if the chain is broken or there is no log",
			Flags: []cli.Flag{&cli.StringFlag{Name: "customer", Required: true, Usage: "customer ID"}},
			Action: func(ctx context.Context, cmd *cli.Command) error {
				id := cmd.String("customer")
				if err := candor.ValidateID("--customer", id); err != nil {
					return err
				}
				return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
					return verifyConsent(ctx, cmd, st, id)
				})
			},
		}, {
			Name:  "recount",
			Usage: "rebuild the count of customers per consent level (GET /v1/trust, candor_consent_customers) from the stored consent records, after an upgrade or when the metric candor_customer_counts_failed_total moved",
			Action: func(ctx context.Context, cmd *cli.Command) error {
				return withStoreTimeout(ctx, cmd, 30*time.Second, func(ctx context.Context, st *redisstore.Store) error {
					r, err := st.RecountLevels(ctx)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.Root().Writer, "customers per consent level: full %d, partial %d, none %d (%s fixed)\n",
						r.Levels[consent.LevelFull], r.Levels[consent.LevelPartial], r.Levels[consent.LevelNone], count(r.Fixed, "customer", "customers"))
					return nil
				})
			},
		}},
	}
}

func verifyConsent(ctx context.Context, cmd *cli.Command, st *redisstore.Store, id string) error {
	cfg, _ := loadConfig(cmd)
	h, err := newConsent(cfg, st).History(ctx, id)
	if err != nil {
		return err
	}
	if len(h.Entries) == 0 {
		return fmt.Errorf("no consent log for %s in namespace %s: the customer never gave or refused consent here, or was erased", id, cfg.Namespace)
	}
	w := cmd.Root().Writer
	for i, e := range h.Entries {
		mark := "ok "
		if !h.ChainValid && i >= h.FirstBad {
			mark = "BAD"
		}
		fmt.Fprintf(w, "%s %4d %-13s %-7s %s %-17s policy %d  %s\n", mark, e.Seq, e.Record.Scope, e.Record.State,
			e.Record.Time.Format(time.RFC3339), e.Record.Source, e.Record.PolicyVersion, e.Hash)
	}
	if !h.ChainValid {
		return fmt.Errorf("customer %s: consent log chain broken at entry %d, the first marked BAD above (%d entries)", id, h.Entries[h.FirstBad].Seq, len(h.Entries))
	}
	fmt.Fprintf(w, "customer %s: %s, chain valid\n", id, count(len(h.Entries), "entry", "entries"))
	return nil
}
