package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/redisstore"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import data into REDIS_URL",
		Commands: []*cli.Command{{
			Name:      "movielens",
			Usage:     "load a MovieLens directory (ratings.csv/movies.csv or u.data/u.item) as catalog items and rating events",
			ArgsUsage: "DIR",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "consent", Value: "full", Usage: "customers' consent: full, or mix (a seeded spread of none/basic/full, for privacy/utility experiments)"},
				&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the mix"},
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
	mix := cmd.String("consent")
	if mix != "full" && mix != "mix" {
		return fmt.Errorf("--consent %q: use full or mix", mix)
	}
	ds, err := models.LoadDir(ctx, cmd.Args().First(), models.LoadOptions{Format: models.Format(cmd.String("format")), Strict: cmd.Bool("strict")})
	if err != nil {
		return err
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		im := &importer{svc: svc, st: st, out: cmd.Root().ErrWriter, rng: rand.New(rand.NewPCG(cmd.Uint64("seed"), 7)), mix: mix == "mix"}
		sum, err := im.run(ctx, ds)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.Root().Writer, sum)
		return nil
	})
}

type importer struct {
	svc *services
	st  *redisstore.Store
	out io.Writer
	rng *rand.Rand
	mix bool
}

func (im *importer) bar(n int, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(im.out), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6), progressbar.OptionOnCompletion(func() { fmt.Fprintln(im.out) }))
}

func (im *importer) run(ctx context.Context, ds *models.Dataset) (string, error) {
	items := movieItems(ds)
	if err := im.items(ctx, items); err != nil {
		return "", err
	}
	users, presets, err := im.customers(ctx, ds)
	if err != nil {
		return "", err
	}
	stored, dropped, err := im.events(ctx, ds)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("imported %d items, %d customers %v, %d ratings (%d stored, %d dropped by the consent gate), %d malformed lines skipped",
		len(items), users, presets, len(ds.Interactions), stored, dropped, ds.Skipped), nil
}

// movieItems makes catalog items of the movies: every rated movie, with its
// title and first genre when the item file has them.
func movieItems(ds *models.Dataset) []catalog.Item {
	seen := map[string]bool{}
	var items []catalog.Item
	add := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		info := ds.Items[id]
		genre := "unknown"
		if len(info.Genres) > 0 {
			genre = strings.ToLower(strings.ReplaceAll(info.Genres[0], "/", "-"))
		}
		title := info.Title
		if title == "" {
			title = "Movie " + id
		}
		items = append(items, catalog.Item{ID: "m" + id, Title: clipTitle(title), Category: []string{"movies", genre}, Available: true})
	}
	for _, in := range ds.Interactions {
		add(in.Item)
	}
	return items
}

func clipTitle(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}

func (im *importer) items(ctx context.Context, items []catalog.Item) error {
	bar := im.bar(len(items), "catalog")
	for i := 0; i < len(items); i += catalog.MaxBatch {
		batch := items[i:min(i+catalog.MaxBatch, len(items))]
		if err := im.st.PutItems(ctx, batch); err != nil {
			return err
		}
		_ = bar.Add(len(batch))
	}
	return im.svc.catalog.Reload(ctx)
}

func (im *importer) customers(ctx context.Context, ds *models.Dataset) (int, map[string]int, error) {
	set := map[string]bool{}
	for _, in := range ds.Interactions {
		set[in.User] = true
	}
	users := make([]string, 0, len(set))
	for u := range set {
		users = append(users, u)
	}
	sort.Strings(users)
	presets := map[string]int{}
	bar := im.bar(len(users), "consent")
	for _, u := range users {
		p := im.preset()
		presets[p]++
		if _, err := im.svc.consent.Put(ctx, "u"+u, consent.Change{Preset: p, Source: consent.SourceImport}, "", false); err != nil {
			return 0, nil, err
		}
		_ = bar.Add(1)
	}
	return len(users), presets, nil
}

func (im *importer) preset() string {
	if !im.mix {
		return consent.PresetFull
	}
	switch r := im.rng.Float64(); {
	case r < 0.15:
		return consent.PresetNone
	case r < 0.40:
		return consent.PresetBasic
	}
	return consent.PresetFull
}

func (im *importer) events(ctx context.Context, ds *models.Dataset) (stored, dropped int, err error) {
	bar := im.bar(len(ds.Interactions), "ratings")
	batch := make([]features.Event, 0, features.MaxBatch)
	flush := func() error {
		out, err := im.svc.features.Collect(ctx, batch, false)
		if err != nil {
			return err
		}
		for _, o := range out {
			switch o.Status {
			case features.Stored:
				stored++
			case features.Dropped:
				dropped++
			}
		}
		_ = bar.Add(len(batch))
		batch = batch[:0]
		return nil
	}
	for _, in := range ds.Interactions {
		batch = append(batch, features.Event{CustomerID: "u" + in.User, Type: features.Rating, ItemID: "m" + in.Item, Time: in.Time, Value: clampRating(in.Value)})
		if len(batch) == features.MaxBatch {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	if len(batch) > 0 {
		err = flush()
	}
	return stored, dropped, err
}

func clampRating(v float64) float64 { return min(max(v, 0.5), 5) }
