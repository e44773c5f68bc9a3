package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/redisstore"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name: "migrate",
		Usage: "move shared keys written before the {shared} hash tag (rulesets, action catalog, models, audit trail) " +
			"to their current names, write the packed copy of every interaction set stored without one, " +
			"and turn every consent log kept as a stream into a list; " +
			"run once when upgrading, before the new servers start (safe to run again)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
				n, err := st.MigrateShared(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "moved %d keys to their {shared} names\n", n)
				p, err := st.PackSets(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "packed %d interaction sets\n", p)
				l, err := st.ListConsentLogs(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "turned %d consent logs from streams into lists\n", l)
				return nil
			})
		},
	}
}
