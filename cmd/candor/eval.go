package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/evaluation/evalplot"
	"github.com/candorhq/candor/movielens"
)

// evalCommand is `candor eval`: models fitted as `candor train` fits them,
// on a MovieLens directory loaded as `candor import movielens` would store
// it, and measured through the scorer that serves them.
func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "measure model quality offline on a MovieLens directory, through the same ranking the API serves",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "dataset directory (ratings.csv/movies.csv or u.data/u.item)", Required: true},
			&cli.StringFlag{Name: "holdout", Usage: "a directory of held-out ratings to score against, instead of splitting --data"},
			&cli.StringFlag{Name: "format", Value: "auto", Usage: "auto, movielens-csv or movielens-100k"},
			&cli.IntFlag{Name: "k", Value: 10, Usage: "recommendation list length"},
			&cli.FloatFlag{Name: "test-ratio", Value: 0.25, Usage: "share of each customer's ratings held out"},
			&cli.UintFlag{Name: "seed", Value: 42, Usage: "split seed"},
			&cli.StringFlag{Name: "consent", Value: "full", Usage: "customers' consent as `candor import` would store it: full, or mix (15% none, 25% basic, 60% full)"},
			&cli.Uint64Flag{Name: "consent-seed", Value: 1, Usage: "seed of the consent mix"},
			&cli.IntFlag{Name: "declared-genres", Usage: "store each customer's N most rated genres as declared preferences, as `candor import` does"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per result"},
			&cli.StringFlag{Name: "plot", Usage: "draw the privacy/utility curve (nDCG per consent level) to this file (.png, .svg)"},
			&cli.StringFlag{Name: "lists", Usage: "write every customer's list to this file (customer<TAB>item,item,...)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail on the first malformed input line"},
			&cli.BoolFlag{Name: "cold", Usage: "also measure every customer cold: from nothing (popularity), their 5 latest interactions, their declared preferences alone, or the item they view alone"},
		}, tuningFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return runEval(ctx, cmd, cmd.Root().Writer, cmd.Root().ErrWriter)
		},
	}
}

// runEval loads the data, evaluates and prints the results.
func runEval(ctx context.Context, cmd *cli.Command, stdout, stderr io.Writer) error {
	e, err := evalInput(ctx, cmd, stderr)
	if err != nil {
		return err
	}
	p := newProgress(stderr)
	e.Options.Progress = p.Report
	results, err := evaluation.Evaluate(ctx, *e)
	p.Finish()
	if err != nil {
		return err
	}
	if err := printResults(stdout, results, cmd.Bool("json")); err != nil {
		return err
	}
	if path := cmd.String("lists"); path != "" {
		if err := writeLists(path, results); err != nil {
			return err
		}
	}
	if path := cmd.String("plot"); path != "" {
		return evalplot.Curve(results, path)
	}
	return nil
}

// evalInput turns the flags and data into an evaluation.
func evalInput(ctx context.Context, cmd *cli.Command, stderr io.Writer) (*evaluation.Eval, error) {
	kinds, err := modelKinds(cmd, true)
	if err != nil {
		return nil, err
	}
	o, err := fitOptions(cmd, kinds[0])
	if err != nil {
		return nil, err
	}
	if cmd.Int("k") <= 0 {
		return nil, usagef("--k must be positive")
	}
	if path := cmd.String("plot"); path != "" {
		if err := evalplot.CheckPath(path); err != nil { // before the run, which takes minutes
			return nil, usagef("--plot: %s", candor.ErrorMessage(err))
		}
	}
	imp := movielens.ImportOptions{Consent: cmd.String("consent"), Seed: cmd.Uint64("consent-seed"), DeclaredGenres: int(cmd.Int("declared-genres"))}
	if _, err := movielens.Presets(nil, imp); err != nil {
		return nil, usagef("--%s", candor.ErrorMessage(err)) // Presets names the option as the flag does
	}
	train, test, err := splitData(ctx, cmd, stderr)
	if err != nil {
		return nil, err
	}
	c, err := evaluation.FromDataset(ctx, train, evaluation.DatasetOptions{Import: imp})
	if err != nil {
		return nil, err
	}
	return &evaluation.Eval{Corpus: c, Test: heldOut(test), Models: kinds, K: int(cmd.Int("k")), Lists: cmd.String("lists") != "", Cold: cmd.Bool("cold"), Options: o}, nil
}

// splitData returns the training and held-out ratings: --data and
// --holdout, or --data split per customer before it is loaded, as a shop's
// store would never hold the held-out part.
func splitData(ctx context.Context, cmd *cli.Command, stderr io.Writer) (train, test *movielens.Dataset, err error) {
	ds, err := loadDataset(ctx, cmd, cmd.String("data"), stderr)
	if err != nil {
		return nil, nil, err
	}
	if dir := cmd.String("holdout"); dir != "" {
		held, err := loadDataset(ctx, cmd, dir, stderr)
		return ds, held, err
	}
	return ds.Split(cmd.Float("test-ratio"), uint64(cmd.Uint("seed")))
}

func loadDataset(ctx context.Context, cmd *cli.Command, dir string, stderr io.Writer) (*movielens.Dataset, error) {
	ds, err := movielens.LoadDir(ctx, dir, movielens.LoadOptions{Format: movielens.Format(cmd.String("format")), Strict: cmd.Bool("strict")})
	if err != nil {
		return nil, err
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(stderr, "%s: skipped %d malformed lines, first: %s\n", dir, ds.Skipped, strings.Join(ds.Problems[:min(3, len(ds.Problems))], "; "))
	}
	return ds, nil
}

// heldOut turns a dataset's ratings into each customer's relevant items.
func heldOut(ds *movielens.Dataset) evaluation.Relevant {
	rel := evaluation.Relevant{}
	for _, r := range ds.Ratings {
		if rel[r.User] == nil {
			rel[r.User] = map[string]bool{}
		}
		rel[r.User][r.Item] = true
	}
	return rel
}

// printResults writes one JSON object per line, or a table: every model
// overall, then per consent level when there is more than one.
func printResults(w io.Writer, results []evaluation.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-11s %-9s %6s %8s %8s %8s %8s %8s %6s %8s\n", "model", "customers", "users", "ndcg", "prec", "recall", "map", "coverage", "short", "train_s")
	for _, r := range results {
		fmt.Fprintf(w, "%-11s %-9s %6d %8.4f %8.4f %8.4f %8.4f %8.4f %6d %8.2f\n", r.Model, "all", r.Metrics.Users,
			r.Metrics.NDCG, r.Metrics.Precision, r.Metrics.Recall, r.Metrics.MAP, r.Coverage, r.Short, r.TrainSeconds)
		for _, l := range evaluation.Levels {
			if m, ok := r.ByLevel[l]; ok && len(r.ByLevel) > 1 {
				fmt.Fprintf(w, "%-11s %-9s %6d %8.4f %8.4f %8.4f %8.4f\n", r.Model, l, m.Users, m.NDCG, m.Precision, m.Recall, m.MAP)
			}
		}
		for _, sc := range evaluation.ColdScenarios {
			if m, ok := r.Cold[sc]; ok {
				fmt.Fprintf(w, "%-11s %-9s %6d %8.4f %8.4f %8.4f %8.4f\n", r.Model, "cold:"+sc, m.Users, m.NDCG, m.Precision, m.Recall, m.MAP)
			}
		}
	}
	for _, r := range results {
		fmt.Fprintf(w, "%s scoring: %s; %s\n", r.Model, r.Scoring.String(), r.Scoring.Note)
	}
	return nil
}

// writeLists writes each model's lists (the first model's when several).
func writeLists(path string, results []evaluation.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	lists := results[0].Lists
	custs := make([]string, 0, len(lists))
	for c := range lists {
		custs = append(custs, c)
	}
	slices.Sort(custs)
	for _, c := range custs {
		fmt.Fprintf(f, "%s\t%s\n", c, strings.Join(lists[c], ","))
	}
	return f.Close()
}
