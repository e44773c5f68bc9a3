package models

import (
	"context"
	"slices"

	"github.com/candorhq/candor"
)

// EvalOptions configure Evaluate. Zero values mean the documented defaults,
// which are the Microsoft Recommenders MovieLens protocol.
type EvalOptions struct {
	Dataset   *Dataset   // required
	Models    []Kind     // default all kinds
	Scenarios []Scenario // default full
	K         int        // list length, default 10
	TestRatio float64    // default 0.25
	Seed      uint64     // split seed, default 42
	Split     SplitBy    // default per user
	// Train is the base of each model's training options (Kind and
	// Categories are set by Evaluate).
	Train TrainOptions
	// Progress, if set, is told about each stage's progress.
	Progress func(stage string, done, total int)
}

// Result is one model's quality under one consent scenario. The JSON names
// are those of `candor eval --json`.
type Result struct {
	Model        Kind     `json:"model"`
	Scenario     Scenario `json:"scenario"`
	K            int      `json:"k"`
	NDCG         float64  `json:"ndcg_at_k"`
	Precision    float64  `json:"precision_at_k"`
	Recall       float64  `json:"recall_at_k"`
	MAP          float64  `json:"map_at_k"`
	Coverage     float64  `json:"coverage"`
	TrainSeconds float64  `json:"train_seconds"`
	Users        int      `json:"users"`      // users evaluated
	Neighbours   int      `json:"neighbours"` // K of the serving form; -1 = untruncated
	KAnon        int      `json:"k_anon"`
	Lambda       float64  `json:"lambda,omitempty"`
	Weights      int      `json:"weights"` // neighbour weights stored
}

// Evaluate splits the dataset at random (stratified per user or item), trains
// every model on the train part and measures top-k quality on the held-out
// part: seen (training) items are never recommended, every held-out rating is
// relevant, and metrics are averaged over users with both training and
// held-out ratings. Coverage is the share of training items recommended to
// anyone.
func Evaluate(ctx context.Context, o EvalOptions) ([]Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	d := o.Dataset.Data()
	train, test, err := Split(d, o.TestRatio, o.Split, o.Seed)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, kind := range o.Models {
		topts := o.Train
		topts.Kind, topts.Categories = kind, o.Dataset.Categories()
		if topts.Progress == nil {
			topts.Progress = o.Progress
		}
		m, err := Train(ctx, d.Subset(train), topts)
		if err != nil {
			return nil, err
		}
		for _, s := range o.Scenarios {
			r, err := measure(ctx, m, d, train, test, s, o)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// withDefaults validates o and fills in its defaults.
func (o EvalOptions) withDefaults() (EvalOptions, error) {
	if o.Dataset == nil {
		return o, candor.Errorf(candor.EInvalid, "no dataset to evaluate")
	}
	if len(o.Models) == 0 {
		o.Models = slices.Clone(Kinds)
	}
	for _, k := range o.Models {
		if !k.Valid() {
			return o, candor.Errorf(candor.EInvalid, "unknown model %q: use ease, itemknn, popularity or all", k)
		}
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = []Scenario{ScenarioFull}
	}
	o.K = orDefault(o.K, 10)
	if o.K < 0 {
		return o, candor.Errorf(candor.EInvalid, "k must be positive")
	}
	if o.TestRatio == 0 {
		o.TestRatio = 0.25
	}
	if o.Seed == 0 {
		o.Seed = 42
	}
	if o.Split == "" {
		o.Split = ByUser
	}
	return o, nil
}

// measure scores every evaluated user under scenario s and averages the
// metrics.
func measure(ctx context.Context, m *Model, d *Data, train, test []Row, s Scenario, o EvalOptions) (Result, error) {
	r := Result{Model: m.Kind, Scenario: s, K: o.K, TrainSeconds: m.Meta.TrainSeconds,
		Neighbours: m.Params.K, KAnon: m.Params.KAnon, Lambda: m.Params.Lambda, Weights: m.NumWeights()}
	byUser := group(train, d.Users, func(r Row) int32 { return r.User })
	rel := relevantByUser(test)
	ev := &evidence{m: m, byUser: byUser, genres: categoriesOf(d.Items, o.Dataset.Categories()), seed: o.Seed}
	seen := make([]int32, len(d.Items)) // seen[j] == u+1: u rated j in training
	shown := map[int32]bool{}
	sc := AcquireScorer()
	defer sc.Release()
	var hist []Evidence
	var top []Candidate
	rec := make([]int32, 0, o.K)
	stageName := "score " + string(m.Kind) + "/" + string(s)
	for u := range int32(d.Users) {
		if len(rel[u]) == 0 || len(byUser[u]) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return r, candor.Wrap("models.Evaluate", err)
		}
		for _, x := range byUser[u] {
			seen[x.Item] = u + 1
		}
		hist = ev.history(hist[:0], u, s)
		m.Score(hist, sc)
		top = sc.Top(top[:0], o.K, true, func(j int32) bool { return seen[j] == u+1 })
		rec = rec[:0]
		for _, c := range top {
			rec = append(rec, c.Item)
			shown[c.Item] = true
		}
		r.add(rec, rel[u], o.K)
		report(o.Progress, stageName, int(u)+1, d.Users)
	}
	report(o.Progress, stageName, d.Users, d.Users)
	r.finish(len(shown), trainItems(train))
	return r, nil
}

// add accumulates one user's metrics.
func (r *Result) add(rec []int32, rel map[int32]bool, k int) {
	r.Users++
	r.NDCG += NDCGAtK(rec, rel, k)
	r.Precision += PrecisionAtK(rec, rel, k)
	r.Recall += RecallAtK(rec, rel, k)
	r.MAP += APAtK(rec, rel, k)
}

// finish turns the sums into means and sets coverage.
func (r *Result) finish(shown, catalog int) {
	if r.Users > 0 {
		n := float64(r.Users)
		r.NDCG, r.Precision, r.Recall, r.MAP = r.NDCG/n, r.Precision/n, r.Recall/n, r.MAP/n
	}
	if catalog > 0 {
		r.Coverage = float64(shown) / float64(catalog)
	}
}

// trainItems counts the distinct items of rows.
func trainItems(rows []Row) int {
	set := map[int32]bool{}
	for _, r := range rows {
		set[r.Item] = true
	}
	return len(set)
}
