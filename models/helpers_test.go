package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// randomData returns users with about perUser interactions each over items,
// drawn with a popularity skew so that pairs reach k-anonymity.
func randomData(tb testing.TB, users, items, perUser int, seed uint64) *Data {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var ins []Interaction
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for u := range users {
		n := 1 + rng.IntN(2*perUser)
		for range n {
			i := int(float64(items) * rng.Float64() * rng.Float64()) // skewed to low numbers
			ins = append(ins, Interaction{
				User:  fmt.Sprintf("u%d", u),
				Item:  fmt.Sprintf("i%d", i),
				Value: float64(1 + rng.IntN(5)),
				Time:  start.Add(time.Duration(rng.IntN(90*24)) * time.Hour),
			})
		}
	}
	return NewData(ins, nil)
}

// train trains a model or fails the test.
func train(tb testing.TB, d *Data, o TrainOptions) *Model {
	tb.Helper()
	m, err := Train(context.Background(), d, o)
	if err != nil {
		tb.Fatalf("Train(%s): %v", o.Kind, err)
	}
	return m
}

// interactions builds Data from (user, item) pairs, all at one time.
func pairs(tb testing.TB, ps ...[2]string) *Data {
	tb.Helper()
	var ins []Interaction
	for _, p := range ps {
		ins = append(ins, Interaction{User: p[0], Item: p[1], Value: 1, Time: time.Unix(1e9, 0)})
	}
	return NewData(ins, nil)
}

// item returns an item's number in m or fails the test.
func item(tb testing.TB, m *Model, id string) int32 {
	tb.Helper()
	i, ok := m.Item(id)
	if !ok {
		tb.Fatalf("item %q not in the model", id)
	}
	return i
}
