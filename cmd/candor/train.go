package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/movielens"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a model from the store (consented data only) or a MovieLens directory and publish it",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "from-store", Usage: "train from the store, each customer read through the consent gate (the default without --data)"},
			&cli.StringFlag{Name: "data", Usage: "train from this MovieLens directory instead of the store (as `candor import movielens --consent full` would store it)"},
			&cli.StringFlag{Name: "out", Usage: "write the artifact to this file instead of publishing it to Redis"},
			&cli.BoolFlag{Name: "no-activate", Usage: "store the new version without making it live"},
			&cli.BoolFlag{Name: "no-measure", Usage: "skip the hold-out measurement (nDCG@10 etc. shown by GET /v1/models), which fits the model once more"},
		}, tuningFlags()...),
		Action: trainAction,
	}
}

func trainAction(ctx context.Context, cmd *cli.Command) error {
	kinds, err := modelKinds(cmd, false)
	if err != nil {
		return err
	}
	o, err := fitOptions(cmd, kinds[0])
	if err != nil {
		return err
	}
	if dir := cmd.String("data"); dir != "" {
		if cmd.Bool("from-store") {
			return fmt.Errorf("--from-store and --data %s: choose one source", dir)
		}
		return trainFromDir(ctx, cmd, o, dir)
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		c, err := storeCorpus(ctx, st, svc)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().ErrWriter, "training %s on %d interactions of %d customers (read through the consent gate)\n", o.Train.Kind, c.Interactions(), len(c.States))
		return trainOut(ctx, cmd, c, o, svc.models)
	})
}

func trainFromDir(ctx context.Context, cmd *cli.Command, o evaluation.Options, dir string) error {
	ds, err := movielens.LoadDir(ctx, dir, movielens.LoadOptions{})
	if err != nil {
		return err
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(cmd.Root().ErrWriter, "skipped %d malformed lines, e.g. %s\n", ds.Skipped, ds.Problems[0])
	}
	c, err := evaluation.FromDataset(ctx, ds, evaluation.DatasetOptions{})
	if err != nil {
		return err
	}
	if cmd.String("out") != "" {
		return trainOut(ctx, cmd, c, o, nil)
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		if err := svc.catalog.Reload(ctx); err != nil {
			return err
		}
		return trainOut(ctx, cmd, c, o, svc.models)
	})
}

// trainOut measures the model on a hold-out split, trains it on all the
// data with a progress bar, and writes the artifact to --out or publishes
// it through reg.
func trainOut(ctx context.Context, cmd *cli.Command, c *evaluation.Corpus, o evaluation.Options, reg *recommend.Registry) error {
	errw := cmd.Root().ErrWriter
	p := newProgress(errw)
	o.Progress = p.Report
	if !cmd.Bool("no-measure") {
		fmt.Fprintln(errw, "measuring on a 75/25 hold-out split first (--no-measure skips it)")
	}
	m, err := trainMeasured(ctx, cmd, c, o)
	p.Finish()
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
		fmt.Fprintf(w, "wrote %s model (%d items, %.1fs%s) to %s\nscoring: %s\n", m.Kind, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m), out, m.Scoring().Note)
		return f.Close()
	}
	v, err := reg.Publish(ctx, m, !cmd.Bool("no-activate"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published model %s (%d items, %.1fs%s)\nscoring: %s\n", v, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m), m.Scoring().Note)
	return nil
}

// trainMeasured fits with o, first on a hold-out split unless
// --no-measure, whose figures become the model's metrics.
func trainMeasured(ctx context.Context, cmd *cli.Command, c *evaluation.Corpus, o evaluation.Options) (*models.Model, error) {
	if cmd.Bool("no-measure") {
		return evaluation.Fit(ctx, c, o)
	}
	return measured(ctx, c, o, func(err error) { fmt.Fprintf(cmd.Root().ErrWriter, "not measured: %v\n", err) })
}

// metricsNote is ", hold-out nDCG@10 0.123" when the model was measured.
func metricsNote(m *models.Model) string {
	if v, ok := m.Meta.Metrics["ndcg_at_10"]; ok {
		return fmt.Sprintf(", hold-out nDCG@10 %.3f", v)
	}
	return ""
}
