package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/importer"
	"github.com/candorhq/candor/movielens"
	"github.com/candorhq/candor/redisstore"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import data into REDIS_URL",
		Commands: []*cli.Command{
			fileImportCommand(importer.Items, "catalog items (id, title, categories, price, currency, available, ...)"),
			fileImportCommand(importer.Consent, "consent records with their original time and source, into the hash-chained ledger"),
			fileImportCommand(importer.Events, "events (event_id, customer, type, item, time, ...) through the consent gate"),
			{
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

// fileImportCommand is `candor import items|consent|events FILE|-`.
func fileImportCommand(kind importer.Kind, what string) *cli.Command {
	return &cli.Command{
		Name:      string(kind),
		Usage:     "load " + what + " from a JSON Lines or CSV file, or - for standard input (schemas: docs/import.md)",
		ArgsUsage: "FILE|-",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "auto", Usage: "jsonl, csv or auto (from the extension: .jsonl, .ndjson, .json or .csv; else from the first byte)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check every line and print the summary without writing anything"},
			&cli.IntFlag{Name: "workers", Value: importer.DefaultWorkers, Usage: "batches written at once"},
			&cli.IntFlag{Name: "buffer", Value: importer.DefaultBuffer, Usage: "events sorted by customer before they are written (more: fewer, larger script calls, more memory)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error { return importFile(ctx, cmd, kind) },
	}
}

// importFile runs one file import and prints its summary; lines that were
// not imported make it fail (exit status 1) after the summary.
func importFile(ctx context.Context, cmd *cli.Command, kind importer.Kind) error {
	if cmd.Args().Len() != 1 {
		return usagef("'candor import %s' takes one file, or - for standard input", kind)
	}
	if cmd.Int("workers") < 1 || cmd.Int("workers") > 64 {
		return usagef("--workers must be from 1 to 64")
	}
	name := cmd.Args().First()
	in, closeIn, err := openInput(cmd, name)
	if err != nil {
		return err
	}
	defer closeIn()
	head, _ := in.Peek(512)
	format, err := importer.DetectFormat(cmd.String("format"), name, head)
	if err != nil {
		return usagef("--format: %v", err)
	}
	return withStoreTimeout(ctx, cmd, 5*time.Second, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		if err := reloadRules(ctx, svc.actionsLive); err != nil { // events of actions name the live action catalog
			return err
		}
		im := importer.New(importer.Deps{Items: st, Catalog: svc.catalog.Load, ReloadCatalog: svc.catalog.Reload,
			Consent: svc.consent, Events: svc.features})
		p := newProgress(cmd.Root().ErrWriter)
		p.Start(string(kind), -1)
		sum, err := im.Import(ctx, kind, in, format, importer.Options{DryRun: cmd.Bool("dry-run"), Workers: int(cmd.Int("workers")), Buffer: int(cmd.Int("buffer")),
			Progress: func(n int) { p.Report(string(kind), n, -1) }})
		p.Finish()
		sum.File = name
		fmt.Fprint(cmd.Root().Writer, fileImportSummary(sum))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if n := sum.NotImported(); n > 0 {
			return fmt.Errorf("%s: %s of %s not imported (listed above)", name, count(n, "line", "lines"), thousands(sum.Lines))
		}
		return nil
	})
}

// openInput opens FILE, or standard input for "-".
func openInput(cmd *cli.Command, name string) (*bufio.Reader, func(), error) {
	if name == "-" {
		r := cmd.Root().Reader
		if r == nil {
			r = os.Stdin
		}
		return bufio.NewReader(r), func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return bufio.NewReader(f), func() { f.Close() }, nil
}

func importMovieLens(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("'candor import movielens' takes one directory")
	}
	o := movielens.ImportOptions{Consent: cmd.String("consent"), Seed: cmd.Uint64("seed"), DeclaredGenres: int(cmd.Int("declared-genres"))}
	if _, err := movielens.Presets(nil, o); err != nil {
		return usagef("--%s", candor.ErrorMessage(err)) // Presets names the option as the flag does
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
	return s.svc.features.Replay(ctx, evs) // a research dataset, with the times it was recorded at
}

func (s *storeSink) PutDeclared(ctx context.Context, customer string, d *features.Declared) error {
	return s.svc.features.PutProfile(ctx, customer, consent.Declared, d, false)
}
