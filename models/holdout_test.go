package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/candorhq/candor/models"
)

// Holdout's figures are those of Evaluate on the same split: a model with
// real structure to learn beats nothing, and popularity measures lower
// than item similarity on data made of taste clusters.
func TestHoldoutMeasuresTheHeldOutPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var ins []models.Interaction
	now := time.Unix(1_700_000_000, 0)
	for u := range 300 {
		cluster := u % 6
		for range 12 {
			item := cluster*20 + rng.IntN(20)
			ins = append(ins, models.Interaction{User: fmt.Sprint("u", u), Item: fmt.Sprint("i", item), Value: 1, Time: now})
		}
	}
	ctx := context.Background()
	knn, err := models.Holdout(ctx, ins, nil, models.TrainOptions{Kind: models.KindItemKNN})
	if err != nil {
		t.Fatal(err)
	}
	pop, err := models.Holdout(ctx, ins, nil, models.TrainOptions{Kind: models.KindPopularity})
	if err != nil {
		t.Fatal(err)
	}
	if knn["users_evaluated"] < 250 || knn["ndcg_at_10"] <= pop["ndcg_at_10"] || pop["ndcg_at_10"] <= 0 {
		t.Errorf("itemknn %v, popularity %v: want both measured, itemknn ahead", knn, pop)
	}
	if _, err := models.Holdout(ctx, nil, nil, models.TrainOptions{Kind: models.KindItemKNN}); err == nil {
		t.Error("no data measured without an error")
	}
}
