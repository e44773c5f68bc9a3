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
			&cli.BoolFlag{Name: "from-store", Usage: "train from the store, each customer read through the consent gate (the default without --data)"},
			&cli.StringFlag{Name: "data", Usage: "train from this MovieLens directory instead of the store"},
			&cli.StringFlag{Name: "out", Usage: "write the artifact to this file instead of publishing it to Redis"},
			&cli.BoolFlag{Name: "no-activate", Usage: "store the new version without making it live"},
			&cli.BoolFlag{Name: "no-measure", Usage: "skip the hold-out measurement (nDCG@10 etc. shown by GET /v1/models), which trains the model once more"},
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
		if cmd.Bool("from-store") {
			return fmt.Errorf("--from-store and --data %s: choose one source", dir)
		}
		return trainFromDir(ctx, cmd, kind, dir)
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		td, err := storeData(ctx, st, svc.consent)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().ErrWriter, "training %s on %d interactions (read through the consent gate)\n", kind, len(td.ins))
		return trainOut(ctx, cmd, kind, td, svc.models, true) // purchases weigh more than views
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
			return trainOut(ctx, cmd, kind, &trainingData{ins: ds.Interactions, cats: ds.Categories()}, recommend.NewRegistry(st), false)
		})
	}
	return trainOut(ctx, cmd, kind, &trainingData{ins: ds.Interactions, cats: ds.Categories()}, nil, false)
}

// trainOut measures the model on a hold-out split, trains it on all the
// data with a progress bar, and writes the artifact to --out or publishes
// it through reg.
func trainOut(ctx context.Context, cmd *cli.Command, kind models.Kind, td *trainingData, reg *recommend.Registry, useValues bool) error {
	errw := cmd.Root().ErrWriter
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(errw), progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
	o := models.TrainOptions{Kind: kind, Categories: td.cats, UseValues: useValues, Progress: func(stage string, done, total int) {
		bar.ChangeMax(total)
		bar.Describe(stage)
		_ = bar.Set(done)
	}}
	if !cmd.Bool("no-measure") {
		fmt.Fprintln(errw, "measuring on a 75/25 hold-out split first (--no-measure skips it)")
	}
	m, err := trainMeasured(ctx, cmd, td, o)
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
		fmt.Fprintf(w, "wrote %s model (%d items, %.1fs%s) to %s\n", kind, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m), out)
		return f.Close()
	}
	v, err := reg.Publish(ctx, m, !cmd.Bool("no-activate"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published model %s (%d items, %.1fs%s)\n", v, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m))
	return nil
}

// trainMeasured trains with o, first on a hold-out split unless
// --no-measure, whose figures become the model's metrics.
func trainMeasured(ctx context.Context, cmd *cli.Command, td *trainingData, o models.TrainOptions) (*models.Model, error) {
	if cmd.Bool("no-measure") {
		return models.Train(ctx, td.data(), o)
	}
	return measured(ctx, td, o, func(err error) { fmt.Fprintf(cmd.Root().ErrWriter, "not measured: %v\n", err) })
}

// metricsNote is ", nDCG@10 0.123" when the model was measured.
func metricsNote(m *models.Model) string {
	if v, ok := m.Meta.Metrics["ndcg_at_10"]; ok {
		return fmt.Sprintf(", hold-out nDCG@10 %.3f", v)
	}
	return ""
}
