package models_test

import (
	"context"
	"fmt"
	"time"

	"github.com/candorhq/candor/models"
)

// A request: score from consented evidence, keep the best items, then
// explain only those with their exact contributions.
func ExampleModel_Score() {
	var ins []models.Interaction
	at := time.Unix(1.7e9, 0)
	for u := range 6 {
		for _, item := range []string{"tent", "stove", "lamp"} {
			ins = append(ins, models.Interaction{User: fmt.Sprint(u), Item: item, Value: 1, Time: at})
		}
	}
	m, err := models.Train(context.Background(), models.NewData(ins, nil), models.TrainOptions{Kind: models.KindItemKNN})
	if err != nil {
		panic(err)
	}
	tent, _ := m.Item("tent")
	history := []models.Evidence{{Item: tent, Weight: 1, Source: "purchases"}}

	s := models.AcquireScorer()
	defer s.Release()
	m.Score(history, s)
	for _, c := range s.Top(nil, 2, true, nil) {
		fmt.Printf("%s %.3f = popularity %.3f", m.ID(c.Item), c.Score, s.Bias(c.Item))
		for _, part := range s.Contributions(nil, c.Item) {
			e := history[part.Evidence]
			fmt.Printf(" + %.3f (because of %s, %s)", part.Value, m.RowName(e.Item), e.Source)
		}
		fmt.Println()
	}
	// Output:
	// stove 1.001 = popularity 0.001 + 1.000 (because of tent, purchases)
	// lamp 1.001 = popularity 0.001 + 1.000 (because of tent, purchases)
}
