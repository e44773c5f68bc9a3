package evaluation

import (
	"context"
	"slices"
	"strconv"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/models"
)

// Eval is one offline evaluation (`candor eval`): models fitted with Fit
// on a training corpus, measured with Measure on held-out items.
type Eval struct {
	Corpus *Corpus
	// Test is the held-out items; nil splits the corpus per customer by
	// TestRatio (default 0.25) with Seed (default 42).
	Test      Relevant
	TestRatio float64
	Seed      uint64
	Models    []models.Kind // default every kind
	K         int           // list length, default 10
	Lists     bool          // keep every customer's list
	Customers int           // at most this many customers measured, spread evenly over them (0: all)
	Cold      bool          // measure the cold-start scenarios too (Cold)
	Options   Options       // of Fit (Train.Kind is set per model)
}

// Result is one model's measurement. The JSON names are those of `candor
// eval --json`.
type Result struct {
	Model models.Kind `json:"model"`
	Measurement
	TrainSeconds float64        `json:"train_seconds"`
	Lambda       float64        `json:"lambda,omitempty"`
	Scoring      models.Scoring `json:"scoring"`
	Weights      int            `json:"weights"`
	Neighbours   int            `json:"neighbours"`
	KAnon        int            `json:"k_anon"`
	// Cold is the model on the cold-start scenarios (see Cold), when asked.
	Cold map[string]Metrics `json:"cold,omitempty"`
}

// Evaluate fits and measures each model.
func Evaluate(ctx context.Context, e Eval) ([]Result, error) {
	if e.Corpus == nil {
		return nil, candor.Errorf(candor.EInvalid, "no data to evaluate")
	}
	if len(e.Models) == 0 {
		e.Models = slices.Clone(models.Kinds)
	}
	train, test := e.Corpus, e.Test
	if test == nil {
		var err error
		if train, test, err = Split(e.Corpus, orFloat(e.TestRatio, 0.25), orSeed(e.Seed, 42)); err != nil {
			return nil, err
		}
	}
	var out []Result
	for _, kind := range e.Models {
		if !kind.Valid() {
			return nil, candor.Errorf(candor.EInvalid, "unknown model %q: use ease, itemknn, popularity or all", kind)
		}
		o := e.Options
		o.Train.Kind = kind
		m, err := Fit(ctx, train, o)
		if err != nil {
			return nil, err
		}
		ms, err := Measure(ctx, m, train, test, MeasureOptions{K: e.K, Lists: e.Lists, Customers: e.Customers, Workers: o.Train.Workers, Now: o.Now})
		if err != nil {
			return nil, err
		}
		r := Result{Model: kind, Measurement: *ms, TrainSeconds: m.Meta.TrainSeconds, Lambda: m.Params.Lambda,
			Scoring: m.Scoring(), Weights: m.NumWeights(), Neighbours: m.Params.K, KAnon: m.Params.KAnon}
		if e.Cold {
			if r.Cold, err = Cold(ctx, m, train, test, MeasureOptions{K: e.K, Workers: o.Train.Workers, Now: o.Now}); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Holdout measures what a model fitted with o is worth before it is
// published: the corpus is split per customer 75/25 (seed 42), Fit on the
// 75% (which validates on a split of its own), and the 25% scored through
// the scorer (at most HoldoutCustomers of them, spread evenly: ranking
// every customer of a large shop would cost more than the fit). The
// figures are keyed as GET /v1/models shows them; per consent level as
// "scenario.<level>.<metric>".
func Holdout(ctx context.Context, c *Corpus, o Options) (map[string]float64, error) {
	res, err := Evaluate(ctx, Eval{Corpus: c, Models: []models.Kind{o.Train.Kind}, Customers: HoldoutCustomers, Options: o})
	if err != nil {
		return nil, err
	}
	r := res[0]
	if r.Metrics.Users == 0 {
		return nil, candor.Errorf(candor.EInvalid, "too little data to measure a model: no customer has both training and held-out interactions")
	}
	out := map[string]float64{"coverage": r.Coverage, "short_lists": float64(r.Short)}
	putMetrics(out, "", r.K, r.Metrics)
	for level, m := range r.ByLevel {
		putMetrics(out, "scenario."+level+".", r.K, m)
	}
	return out, nil
}

// HoldoutCustomers is the most customers Holdout ranks.
const HoldoutCustomers = 20000

func putMetrics(out map[string]float64, prefix string, k int, m Metrics) {
	ks := strconv.Itoa(k)
	out[prefix+"ndcg_at_"+ks] = m.NDCG
	out[prefix+"precision_at_"+ks] = m.Precision
	out[prefix+"recall_at_"+ks] = m.Recall
	out[prefix+"map_at_"+ks] = m.MAP
	out[prefix+"users_evaluated"] = float64(m.Users)
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orSeed(v, def uint64) uint64 {
	if v == 0 {
		return def
	}
	return v
}
