package models

import (
	"fmt"
	"testing"
)

// kanonData has pair (a,b) shared by 4 users and pair (c,d) by 5, and every
// item used by at least 8 users, so only the pair counts decide.
func kanonData(tb testing.TB) *Data {
	tb.Helper()
	var ps [][2]string
	add := func(prefix string, n int, items ...string) {
		for u := range n {
			for _, i := range items {
				ps = append(ps, [2]string{fmt.Sprintf("%s%d", prefix, u), i})
			}
		}
	}
	add("ab", 4, "a", "b")
	add("cd", 5, "c", "d")
	add("a", 4, "a", "x")
	add("b", 4, "b", "x")
	add("c", 3, "c", "x")
	add("d", 3, "d", "x")
	add("e", 4, "e")
	return pairs(tb, ps...)
}

func TestKAnonymityOnPairs(t *testing.T) {
	d := kanonData(t)
	for _, tc := range []struct {
		name string
		o    TrainOptions
	}{
		{"itemknn", TrainOptions{Kind: KindItemKNN}},
		{"ease", TrainOptions{Kind: KindEASE}},
		{"ease with the low-pass and item-kNN blended in", TrainOptions{Kind: KindEASE, LowPass: 1, LowPassRank: 3, KNN: 1}},
		{"ease with the sequence kernel", TrainOptions{Kind: KindEASE, Sequence: 1, SequenceWindow: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.KAnon, o.K, o.Lambda = 5, -1, 1
			m := train(t, d, o)
			a, b, c, dd := item(t, m, "a"), item(t, m, "b"), item(t, m, "c"), item(t, m, "d")
			for _, tt := range []struct {
				name     string
				from, to int32
				want     bool
			}{
				{"a→b (4 users)", a, b, false},
				{"b→a (4 users)", b, a, false},
				{"c→d (5 users)", c, dd, true},
				{"d→c (5 users)", dd, c, true},
			} {
				if got := m.Weight(tt.from, tt.to) != 0; got != tt.want {
					t.Errorf("%s: has weight = %v, want %v", tt.name, got, tt.want)
				}
			}
			for r := range int32(m.NumItems()) {
				nbr, _ := m.Neighbours(r)
				for _, j := range nbr {
					if n := coCount(d, m.ID(r), m.ID(j)); n < 5 {
						t.Errorf("weight %s→%s kept with %d users", m.ID(r), m.ID(j), n)
					}
				}
			}
		})
	}
}

func TestKAnonymityOnPopularity(t *testing.T) {
	d := kanonData(t) // e has 4 users, every other item at least 8
	m := train(t, d, TrainOptions{Kind: KindPopularity})
	if got := m.Popularity(item(t, m, "e")); got != 0 {
		t.Errorf("popularity of an item with 4 users = %v, want 0", got)
	}
	if got := m.Popularity(item(t, m, "a")); got <= 0 {
		t.Errorf("popularity of an item with 8 users = %v, want > 0", got)
	}
}

// coCount returns how many users have both items.
func coCount(d *Data, a, b string) int {
	has := map[int32]map[string]bool{}
	for _, r := range d.Rows {
		if has[r.User] == nil {
			has[r.User] = map[string]bool{}
		}
		has[r.User][d.Items[r.Item]] = true
	}
	n := 0
	for _, items := range has {
		if items[a] && items[b] {
			n++
		}
	}
	return n
}
