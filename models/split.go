package models

import (
	"math"
	"math/rand/v2"

	"github.com/candorhq/candor"
)

// SplitBy names how a random train/test split is stratified.
type SplitBy string

// Stratifications.
const (
	ByUser SplitBy = "user" // each user keeps the train share of their ratings
	ByItem SplitBy = "item" // each item keeps the train share of its ratings
)

// Split divides d's rows at random into train and test, stratified per user
// or per item as in the Microsoft Recommenders python_stratified_split: each
// group's rows are shuffled and the first round((1−testRatio)·n) go to train
// (rounding half to even, like Python), so a group of one row stays in train.
// The same data, ratio and seed always give the same split.
func Split(d *Data, testRatio float64, by SplitBy, seed uint64) (train, test []Row, err error) {
	if !(testRatio > 0 && testRatio < 1) {
		return nil, nil, candor.Errorf(candor.EInvalid, "test ratio %g must be between 0 and 1", testRatio)
	}
	var key func(Row) int32
	var groups int
	switch by {
	case ByUser, "":
		key, groups = func(r Row) int32 { return r.User }, d.Users
	case ByItem:
		key, groups = func(r Row) int32 { return r.Item }, len(d.Items)
	default:
		return nil, nil, candor.Errorf(candor.EInvalid, "unknown split %q: use user or item", by)
	}
	rng := rand.New(rand.NewPCG(seed, 0x63616e646f72)) // "candor"
	for _, g := range group(d.Rows, groups, key) {
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		n := int(math.RoundToEven((1 - testRatio) * float64(len(g))))
		train, test = append(train, g[:n]...), append(test, g[n:]...)
	}
	return train, test, nil
}

// group returns rows grouped by key (0..groups-1), each group in input order.
func group(rows []Row, groups int, key func(Row) int32) [][]Row {
	off := make([]int, groups+1)
	for _, r := range rows {
		off[key(r)+1]++
	}
	for g := range groups {
		off[g+1] += off[g]
	}
	flat := make([]Row, len(rows))
	next := append([]int(nil), off[:groups]...)
	for _, r := range rows {
		flat[next[key(r)]] = r
		next[key(r)]++
	}
	out := make([][]Row, groups)
	for g := range groups {
		out[g] = flat[off[g]:off[g+1]:off[g+1]]
	}
	return out
}
