package main

import (
	"context"
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a model from the store (consented data only) or a MovieLens directory and publish it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Value: "ease", Usage: "ease, itemknn or popularity"},
			&cli.StringFlag{Name: "data", Usage: "train from this MovieLens directory instead of the store"},
			&cli.StringFlag{Name: "out", Usage: "write the artifact to this file instead of publishing it to Redis"},
			&cli.BoolFlag{Name: "no-activate", Usage: "store the new version without making it live"},
		},
		Action: trainAction,
	}
}

func trainAction(ctx context.Context, cmd *cli.Command) error {
	kind := models.Kind(cmd.String("model"))
	if !kind.Valid() {
		return fmt.Errorf("--model %q: use ease, itemknn or popularity", kind)
	}
	if dir := cmd.String("data"); dir != "" {
		return trainFromDir(ctx, cmd, kind, dir)
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		d, cats, err := storeData(ctx, st, svc.consent)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().ErrWriter, "training %s on %d interactions of %d customers (read through the consent gate)\n", kind, len(d.Rows), d.Users)
		return trainOut(ctx, cmd, kind, d, cats, svc.models, true) // purchases weigh more than views
	})
}

func trainFromDir(ctx context.Context, cmd *cli.Command, kind models.Kind, dir string) error {
	ds, err := models.LoadDir(ctx, dir, models.LoadOptions{})
	if err != nil {
		return err
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(cmd.Root().ErrWriter, "skipped %d malformed lines, e.g. %s\n", ds.Skipped, ds.Problems[0])
	}
	if cmd.String("out") == "" {
		return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
			return trainOut(ctx, cmd, kind, ds.Data(), ds.Categories(), recommend.NewRegistry(st), false)
		})
	}
	return trainOut(ctx, cmd, kind, ds.Data(), ds.Categories(), nil, false)
}

// trainOut trains with a progress bar and writes the artifact to --out or
// publishes it through reg.
func trainOut(ctx context.Context, cmd *cli.Command, kind models.Kind, d *models.Data, cats map[string][]string, reg *recommend.Registry, useValues bool) error {
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(cmd.Root().ErrWriter), progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
	m, err := models.Train(ctx, d, models.TrainOptions{Kind: kind, Categories: cats, UseValues: useValues, Progress: func(stage string, done, total int) {
		bar.ChangeMax(total)
		bar.Describe(stage)
		_ = bar.Set(done)
	}})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	w := cmd.Root().Writer
	if out := cmd.String("out"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := m.Encode(f); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s model (%d items, %.1fs) to %s\n", kind, m.NumItems(), m.Meta.TrainSeconds, out)
		return f.Close()
	}
	v, err := reg.Publish(ctx, m, !cmd.Bool("no-activate"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published model %s (%d items, %.1fs)\n", v, m.NumItems(), m.Meta.TrainSeconds)
	return nil
}
