package models

import (
	"context"
	"strconv"

	"github.com/candorhq/candor"
)

// Holdout measures what a model trained with o is worth before it is
// published: it trains on a per-user 75/25 random split of ins (seed 42)
// and scores the held-out part with the protocol of Evaluate, under the
// full-consent scenario. The result is for Meta.Metrics (and GET
// /v1/models); the model to publish is trained on all the data separately.
func Holdout(ctx context.Context, ins []Interaction, cats map[string][]string, o TrainOptions) (map[string]float64, error) {
	ds := &Dataset{Interactions: ins, Items: make(map[string]ItemInfo, len(cats))}
	for id, c := range cats {
		ds.Items[id] = ItemInfo{Genres: c}
	}
	o.Progress = nil
	rs, err := Evaluate(ctx, EvalOptions{Dataset: ds, Models: []Kind{o.Kind}, Train: o})
	if err != nil {
		return nil, err
	}
	r, k := rs[0], strconv.Itoa(rs[0].K)
	if r.Users == 0 {
		return nil, candor.Errorf(candor.EInvalid, "too little data to measure a model: no customer has both training and held-out interactions")
	}
	return map[string]float64{
		"ndcg_at_" + k: r.NDCG, "precision_at_" + k: r.Precision, "recall_at_" + k: r.Recall, "map_at_" + k: r.MAP,
		"coverage": r.Coverage, "users_evaluated": float64(r.Users),
	}, nil
}
