package main

import (
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/models"
)

// tuningFlags are the model flags `candor train` and `candor eval` share,
// so that what was evaluated can be published. Every scoring parameter
// left unset is chosen by validation on a slice of the training data.
func tuningFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "model", Value: "ease", Usage: "ease, itemknn or popularity (eval also takes all)"},
		&cli.IntFlag{Name: "neighbours", Usage: "neighbours kept per item (0: 200; -1: untruncated)"},
		&cli.IntFlag{Name: "k-anon", Usage: "k-anonymity threshold: fewest customers behind any weight or count (0: 5; -1: off)"},
		&cli.FloatFlag{Name: "lambda", Usage: "EASE's regularisation λ (0: chosen by validation)"},
		&cli.IntFlag{Name: "min-support", Usage: "fewest customers of an item EASE is fitted on (0: the k-anonymity threshold)"},
		&cli.IntFlag{Name: "ease-items", Usage: fmt.Sprintf("EASE is fitted on the N most popular items, the rest covered by item similarity (0: %d; memory 8·N² bytes, time N³)", models.DefaultTopN)},
		&cli.IntFlag{Name: "validation-folds", Usage: fmt.Sprintf("validation splits each setting is scored on, by their mean (0: for a shop of fewer than %d customers and at most %d interactions enough that about %d customers' lists are measured, at most %d; else 1; at most %d)", evaluation.DefaultValidationUsers, evaluation.FoldsBudget, evaluation.DefaultValidationUsers, evaluation.MaxDefaultFolds, evaluation.MaxFolds)},
		&cli.BoolFlag{Name: "no-tuning", Usage: "take the defaults for λ and every scoring parameter not given, instead of validating"},
	}
	for _, p := range evaluation.RegParams {
		flags = append(flags, &cli.FloatFlag{Name: p.Name, Usage: p.Usage + " (unset: chosen by validation)"})
	}
	for _, p := range evaluation.Params {
		flags = append(flags, &cli.FloatFlag{Name: p.Name, Usage: p.Usage + " (unset: chosen by validation)"})
	}
	return flags
}

// fitOptions turns the tuning flags into options of evaluation.Fit; kind
// is the model to fit.
func fitOptions(cmd *cli.Command, kind models.Kind) (evaluation.Options, error) {
	o := evaluation.Options{Train: models.TrainOptions{Kind: kind, K: int(cmd.Int("neighbours")), KAnon: int(cmd.Int("k-anon")),
		Lambda: cmd.Float("lambda"), MinSupport: int(cmd.Int("min-support")), TopN: int(cmd.Int("ease-items"))}, NoTuning: cmd.Bool("no-tuning"), Fixed: map[string]float64{},
		ValidationFolds: int(cmd.Int("validation-folds"))}
	if o.ValidationFolds < 0 || o.ValidationFolds > evaluation.MaxFolds {
		return o, fmt.Errorf("--validation-folds %d: must be 0 (the default) to %d", o.ValidationFolds, evaluation.MaxFolds)
	}
	if o.Train.Lambda < 0 {
		return o, fmt.Errorf("--lambda %g: must not be negative", o.Train.Lambda)
	}
	if o.Train.TopN < 0 {
		return o, fmt.Errorf("--ease-items %d: must not be negative", o.Train.TopN)
	}
	for _, p := range evaluation.RegParams {
		if cmd.IsSet(p.Name) {
			o.Fixed[p.Name] = cmd.Float(p.Name)
		}
	}
	for _, p := range evaluation.Params {
		if cmd.IsSet(p.Name) {
			o.Fixed[p.Name] = cmd.Float(p.Name)
		}
	}
	if _, err := evaluation.Fix(models.DefaultScoring(), o.Fixed); err != nil {
		return o, err
	}
	return o, nil
}

// modelKinds parses --model; all is allowed when many is.
func modelKinds(cmd *cli.Command, many bool) ([]models.Kind, error) {
	name := cmd.String("model")
	if name == "all" && many {
		return models.Kinds, nil
	}
	if k := models.Kind(name); k.Valid() {
		return []models.Kind{k}, nil
	}
	if many {
		return nil, usagef("--model %q: use ease, itemknn, popularity or all", name)
	}
	return nil, usagef("--model %q: use ease, itemknn or popularity", name)
}
