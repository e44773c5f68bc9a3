package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/models/evalplot"
)

// evalCommand is `candor eval`: the Microsoft Recommenders MovieLens protocol
// over Candor's models, optionally per consent scenario.
func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "measure model quality offline on a MovieLens directory",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "dataset directory", Required: true},
			&cli.StringFlag{Name: "format", Value: "auto", Usage: "auto, movielens-csv or movielens-100k"},
			&cli.StringFlag{Name: "model", Value: "all", Usage: "ease, itemknn, popularity or all"},
			&cli.IntFlag{Name: "k", Value: 10, Usage: "recommendation list length"},
			&cli.FloatFlag{Name: "test-ratio", Value: 0.25, Usage: "share of each user's (or item's) ratings held out"},
			&cli.UintFlag{Name: "seed", Value: 42, Usage: "split seed"},
			&cli.StringFlag{Name: "split", Value: "user", Usage: "stratify the split per user or item"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per result"},
			&cli.StringFlag{Name: "plot", Usage: "draw the privacy/utility curve to this file (.png, .svg)"},
			&cli.StringFlag{Name: "consent-scenario", Value: "full", Usage: "full, purchases-only, declared-only, none, mix or all"},
			&cli.IntFlag{Name: "neighbours", Usage: "neighbours kept per item (0: 200; -1: untruncated)"},
			&cli.IntFlag{Name: "k-anon", Usage: "k-anonymity threshold (0: 5; -1: off)"},
			&cli.FloatFlag{Name: "lambda", Usage: "EASE lambda (0: chosen by validation)"},
			&cli.IntFlag{Name: "min-support", Usage: "fewest users of an EASE head item (0: the k-anonymity threshold)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail on the first malformed input line"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return runEval(ctx, cmd, cmd.Root().Writer, cmd.Root().ErrWriter)
		},
	}
}

// runEval loads the data, evaluates and prints the results.
func runEval(ctx context.Context, cmd *cli.Command, stdout, stderr io.Writer) error {
	opts, err := evalOptions(cmd)
	if err != nil {
		return err
	}
	ds, err := models.LoadDir(ctx, cmd.String("data"), models.LoadOptions{Format: models.Format(cmd.String("format")), Strict: cmd.Bool("strict")})
	if err != nil {
		return err
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(stderr, "skipped %d malformed lines, first: %s\n", ds.Skipped, strings.Join(ds.Problems[:min(3, len(ds.Problems))], "; "))
	}
	opts.Dataset = ds
	bar := newStageBar(stderr)
	opts.Progress = bar.report
	results, err := models.Evaluate(ctx, opts)
	bar.finish()
	if err != nil {
		return err
	}
	if err := printResults(stdout, results, cmd.Bool("json")); err != nil {
		return err
	}
	if path := cmd.String("plot"); path != "" {
		return evalplot.Curve(results, path)
	}
	return nil
}

// evalOptions turns the flags into evaluation options.
func evalOptions(cmd *cli.Command) (models.EvalOptions, error) {
	scenarios, err := models.ParseScenarios(cmd.String("consent-scenario"))
	if err != nil {
		return models.EvalOptions{}, err
	}
	o := models.EvalOptions{Scenarios: scenarios, K: cmd.Int("k"), TestRatio: cmd.Float("test-ratio"),
		Seed: uint64(cmd.Uint("seed")), Split: models.SplitBy(cmd.String("split")),
		Train: models.TrainOptions{K: cmd.Int("neighbours"), KAnon: cmd.Int("k-anon"), Lambda: cmd.Float("lambda"),
			MinSupport: cmd.Int("min-support")}}
	if o.K <= 0 {
		return o, candor.Errorf(candor.EInvalid, "--k must be positive")
	}
	if m := cmd.String("model"); m != "all" {
		if !models.Kind(m).Valid() {
			return o, candor.Errorf(candor.EInvalid, "unknown model %q: use ease, itemknn, popularity or all", m)
		}
		o.Models = []models.Kind{models.Kind(m)}
	}
	return o, nil
}

// printResults writes one JSON object per line, or a table.
func printResults(w io.Writer, results []models.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-11s %-15s %8s %8s %8s %8s %8s %8s\n", "model", "scenario", "ndcg", "prec", "recall", "map", "coverage", "train_s")
	for _, r := range results {
		fmt.Fprintf(w, "%-11s %-15s %8.4f %8.4f %8.4f %8.4f %8.4f %8.2f\n", r.Model, r.Scenario,
			r.NDCG, r.Precision, r.Recall, r.MAP, r.Coverage, r.TrainSeconds)
	}
	return nil
}

// stageBar shows one progress bar per evaluation stage on stderr.
type stageBar struct {
	w     io.Writer
	stage string
	bar   *progressbar.ProgressBar
}

func newStageBar(w io.Writer) *stageBar { return &stageBar{w: w} }

// report moves the bar of stage, starting a new bar when the stage changes.
func (s *stageBar) report(stage string, done, total int) {
	if stage != s.stage || s.bar == nil {
		s.finish()
		s.stage = stage
		s.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(s.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-28s", stage)),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
	}
	_ = s.bar.Set(done)
}

// finish closes the current bar.
func (s *stageBar) finish() {
	if s.bar != nil {
		_ = s.bar.Finish()
		fmt.Fprintln(s.w)
		s.bar = nil
	}
}
