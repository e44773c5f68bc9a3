package models

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randomHistory draws n pieces of evidence over m's rows, categories included.
func randomHistory(m *Model, rng *rand.Rand, n int) []Evidence {
	sources := []string{"purchases", "browsing", "context", "declared"}
	h := make([]Evidence, n)
	for e := range h {
		h[e] = Evidence{Item: int32(rng.IntN(m.NumRows())), Weight: rng.Float64()*2 - 0.5, Source: sources[rng.IntN(len(sources))]}
	}
	return h
}

func TestContributionsSumToScore(t *testing.T) {
	d := randomData(t, 300, 120, 15, 1)
	cats := map[string][]string{}
	for n, id := range d.Items {
		cats[id] = []string{[]string{"red", "green", "blue"}[n%3]}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			m := train(t, d, TrainOptions{Kind: kind, K: 20, Lambda: 50, Categories: cats})
			if m.NumWeights() == 0 && kind != KindPopularity {
				t.Fatal("the model has no weights: the test would prove nothing")
			}
			s := AcquireScorer()
			defer s.Release()
			for range 50 {
				h := randomHistory(m, rng, 1+rng.IntN(12))
				m.Score(h, s)
				for j := range int32(m.NumItems()) {
					var sum float64
					for _, c := range s.Contributions(nil, j) {
						sum += c.Value
					}
					if got, want := sum+s.Bias(j), s.Score(j); got != want {
						t.Fatalf("item %d: Σ contributions + bias = %v, score = %v", j, got, want)
					}
				}
			}
		})
	}
}

func TestContributionValues(t *testing.T) {
	d := randomData(t, 300, 50, 10, 2)
	m := train(t, d, TrainOptions{Kind: KindItemKNN, K: 10})
	s := AcquireScorer()
	defer s.Release()
	h := []Evidence{{Item: 0, Weight: 2, Source: "purchases"}, {Item: 1, Weight: 0.5, Source: "browsing"}}
	m.Score(h, s)
	for _, j := range s.Touched() {
		for _, c := range s.Contributions(nil, j) {
			e := h[c.Evidence]
			if got, want := c.Value, e.Weight*m.Weight(e.Item, j); got != want {
				t.Errorf("item %d, evidence %d: value %v, want weight·W = %v", j, c.Evidence, got, want)
			}
		}
	}
}

func TestTopExcludesHistoryAndSkipped(t *testing.T) {
	d := randomData(t, 300, 60, 12, 3)
	m := train(t, d, TrainOptions{Kind: KindItemKNN})
	s := AcquireScorer()
	defer s.Release()
	h := []Evidence{{Item: 0, Weight: 1}, {Item: 1, Weight: 1}, {Item: 2, Weight: 1}}
	m.Score(h, s)
	top := s.Top(nil, 10, true, func(j int32) bool { return j == 3 })
	if len(top) != 10 {
		t.Fatalf("got %d candidates, want 10", len(top))
	}
	for n, c := range top {
		if c.Item <= 3 {
			t.Errorf("candidate %d is item %d: history and skipped items must be excluded", n, c.Item)
		}
		if c.Score != s.Score(c.Item) {
			t.Errorf("candidate %d score %v, scorer says %v", n, c.Score, s.Score(c.Item))
		}
		if n > 0 && before(c, top[n-1]) {
			t.Errorf("candidates not sorted at %d", n)
		}
	}
	all := s.Top(nil, m.NumItems(), false, nil)
	if got := len(all); got != m.NumItems() {
		t.Errorf("Top(all) returned %d items, want %d", got, m.NumItems())
	}
}

func TestTopEmptyHistoryIsPopularity(t *testing.T) {
	d := randomData(t, 300, 60, 12, 4)
	for _, kind := range Kinds {
		m := train(t, d, TrainOptions{Kind: kind, Lambda: 10})
		s := AcquireScorer()
		m.Score(nil, s)
		var got []int32
		for _, c := range s.Top(nil, 5, true, nil) {
			got = append(got, c.Item)
		}
		if want := m.Popular(5); !slices.Equal(got, want) {
			t.Errorf("%s: empty history gives %v, want the popular items %v", kind, got, want)
		}
		s.Release()
	}
}

func TestScorerReuseAcrossModels(t *testing.T) {
	small := train(t, randomData(t, 100, 20, 5, 5), TrainOptions{Kind: KindItemKNN, KAnon: 1})
	big := train(t, randomData(t, 300, 200, 10, 6), TrainOptions{Kind: KindItemKNN, KAnon: 1})
	s := AcquireScorer()
	defer s.Release()
	for _, m := range []*Model{big, small, big} {
		fresh := new(Scorer)
		h := []Evidence{{Item: 0, Weight: 1}, {Item: 3, Weight: 1}}
		m.Score(h, s)
		m.Score(h, fresh)
		for j := range int32(m.NumItems()) {
			if got, want := s.Score(j), fresh.Score(j); got != want {
				t.Fatalf("reused scorer: item %d score %v, fresh %v", j, got, want)
			}
		}
	}
}

func TestScoreIgnoresOutOfRangeEvidence(t *testing.T) {
	m := train(t, randomData(t, 50, 10, 5, 7), TrainOptions{Kind: KindItemKNN, KAnon: 1})
	s := new(Scorer)
	m.Score([]Evidence{{Item: -1, Weight: 1}, {Item: int32(m.NumRows()), Weight: 1}}, s)
	if got := len(s.Touched()); got != 0 {
		t.Errorf("out-of-range evidence touched %d items", got)
	}
}
