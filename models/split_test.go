package models

import (
	"math"
	"slices"
	"testing"
)

func TestSplitPerUser(t *testing.T) {
	d := randomData(t, 200, 300, 20, 1)
	train, test, err := Split(d, 0.25, ByUser, 42)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(train)+len(test), len(d.Rows); got != want {
		t.Fatalf("train+test = %d rows, want %d", got, want)
	}
	total := countBy(d.Rows, func(r Row) int32 { return r.User })
	inTrain := countBy(train, func(r Row) int32 { return r.User })
	for u, n := range total {
		if got, want := inTrain[u], int(math.RoundToEven(0.75*float64(n))); got != want {
			t.Errorf("user %d: %d of %d rows in train, want %d", u, got, n, want)
		}
	}
	assertPartition(t, d.Rows, train, test)
}

func TestSplitPerItem(t *testing.T) {
	d := randomData(t, 200, 300, 20, 2)
	train, test, err := Split(d, 0.25, ByItem, 42)
	if err != nil {
		t.Fatal(err)
	}
	total := countBy(d.Rows, func(r Row) int32 { return r.Item })
	inTrain := countBy(train, func(r Row) int32 { return r.Item })
	for i, n := range total {
		if got, want := inTrain[i], int(math.RoundToEven(0.75*float64(n))); got != want {
			t.Errorf("item %d: %d of %d rows in train, want %d", i, got, n, want)
		}
	}
	assertPartition(t, d.Rows, train, test)
}

func TestSplitDeterministicBySeed(t *testing.T) {
	d := randomData(t, 100, 100, 10, 3)
	a, _, _ := Split(d, 0.25, ByUser, 42)
	b, _, _ := Split(d, 0.25, ByUser, 42)
	c, _, _ := Split(d, 0.25, ByUser, 43)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different splits")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same split")
	}
}

func TestSplitRejectsBadInput(t *testing.T) {
	d := randomData(t, 3, 3, 2, 4)
	for _, tt := range []struct {
		ratio float64
		by    SplitBy
	}{{0, ByUser}, {1, ByUser}, {math.NaN(), ByUser}, {0.25, "session"}} {
		if _, _, err := Split(d, tt.ratio, tt.by, 1); err == nil {
			t.Errorf("Split(%v, %q) succeeded", tt.ratio, tt.by)
		}
	}
}

func countBy(rows []Row, key func(Row) int32) map[int32]int {
	n := map[int32]int{}
	for _, r := range rows {
		n[key(r)]++
	}
	return n
}

// assertPartition checks that train and test split all exactly (as
// multisets; rows are unique in randomData up to repeated pairs).
func assertPartition(tb testing.TB, all, train, test []Row) {
	tb.Helper()
	count := map[Row]int{}
	for _, r := range all {
		count[r]++
	}
	for _, r := range append(slices.Clone(train), test...) {
		count[r]--
	}
	for r, n := range count {
		if n != 0 {
			tb.Fatalf("row %+v: %d left after removing train and test", r, n)
		}
	}
	inTrain := map[Row]bool{}
	for _, r := range train {
		inTrain[r] = true
	}
	for _, r := range test {
		if inTrain[r] && count[r] == 0 && countRow(all, r) == 1 {
			tb.Fatalf("row %+v is in both train and test", r)
		}
	}
}

func countRow(rows []Row, x Row) int {
	n := 0
	for _, r := range rows {
		if r == x {
			n++
		}
	}
	return n
}
