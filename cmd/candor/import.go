package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/movielens"
	"github.com/candorhq/candor/redisstore"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import data into REDIS_URL",
		Commands: []*cli.Command{{
			Name:      "movielens",
			Usage:     "load a MovieLens directory (ratings.csv/movies.csv or u.data/u.item) as catalog items (genres as categories) and rating events of customers u<id>",
			ArgsUsage: "DIR",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "consent", Value: "full", Usage: "customers' consent: full, or mix (a seeded spread of 15% none, 25% basic, 60% full, for privacy/utility experiments)"},
				&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the mix"},
				&cli.IntFlag{Name: "declared-genres", Usage: "store each customer's N most rated genres as declared preferences (0: none)"},
				&cli.StringFlag{Name: "format", Value: "auto", Usage: "auto, movielens-csv or movielens-100k"},
				&cli.BoolFlag{Name: "strict", Usage: "stop at the first malformed line instead of skipping it"},
			},
			Action: importMovieLens,
		}},
	}
}

func importMovieLens(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return fmt.Errorf("import movielens takes one directory")
	}
	o := movielens.ImportOptions{Consent: cmd.String("consent"), Seed: cmd.Uint64("seed"), DeclaredGenres: int(cmd.Int("declared-genres"))}
	if _, err := movielens.Presets(nil, o); err != nil {
		return err
	}
	ds, err := movielens.LoadDir(ctx, cmd.Args().First(), movielens.LoadOptions{Format: movielens.Format(cmd.String("format")), Strict: cmd.Bool("strict")})
	if err != nil {
		return err
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		p := newProgress(cmd.Root().ErrWriter)
		sum, err := movielens.Load(ctx, ds, o, &storeSink{st: st, svc: svc}, p.Report)
		p.Finish()
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.Root().Writer, importSummary(sum, ds.Skipped))
		return nil
	})
}

// importSummary describes an import in one sentence.
func importSummary(s *movielens.Summary, skipped int) string {
	n := 0
	for _, c := range s.Customers {
		n += c
	}
	out := "imported " + loadSummary{Items: s.Items, Customers: n, Consent: s.Customers, Events: s.Ratings, EventName: "ratings",
		Stored: s.Stored, Dropped: s.Dropped, Skipped: skipped}.String()
	if s.Declared > 0 {
		out += fmt.Sprintf(", declared genres of %s", count(s.Declared, "customer", "customers"))
	}
	return out
}

// storeSink loads a dataset through the services the API uses: the store
// for the catalog, the consent service, and event ingestion under the
// collection-time gate.
type storeSink struct {
	st    *redisstore.Store
	svc   *services
	stale bool // the catalog changed since the last reload
}

func (s *storeSink) PutItems(ctx context.Context, items []catalog.Item) error {
	s.stale = true
	return s.st.PutItems(ctx, items)
}

func (s *storeSink) PutPreset(ctx context.Context, customer, preset string) error {
	_, err := s.svc.consent.Put(ctx, customer, consent.Change{Preset: preset, Source: consent.SourceImport}, "", false)
	return err
}

func (s *storeSink) Collect(ctx context.Context, evs []features.Event) ([]features.Outcome, error) {
	if s.stale {
		if err := s.svc.catalog.Reload(ctx); err != nil {
			return nil, err
		}
		s.stale = false
	}
	return s.svc.features.Collect(ctx, evs, false)
}

func (s *storeSink) PutDeclared(ctx context.Context, customer string, d *features.Declared) error {
	return s.svc.features.PutProfile(ctx, customer, consent.Declared, d, false)
}
