package evaluation

import (
	"math"
	"testing"
)

func set(items ...int32) map[int32]bool {
	s := map[int32]bool{}
	for _, i := range items {
		s[i] = true
	}
	return s
}

func TestMetrics(t *testing.T) {
	log2 := math.Log2
	tests := []struct {
		name                   string
		rec                    []int32
		rel                    map[int32]bool
		k                      int
		ndcg, prec, recall, ap float64
	}{
		{
			name: "hits at ranks 1 and 3 of 3 relevant",
			rec:  []int32{1, 2, 3, 4}, rel: set(1, 3, 9), k: 4,
			// DCG = 1/log2(2) + 1/log2(4); IDCG = 1 + 1/log2(3) + 1/log2(4)
			ndcg: (1 + 0.5) / (1 + 1/log2(3) + 0.5),
			prec: 2.0 / 4, recall: 2.0 / 3,
			ap: (1.0/1 + 2.0/3) / 3,
		},
		{
			name: "cut at k",
			rec:  []int32{5, 1, 3}, rel: set(1, 3), k: 2,
			ndcg: (1 / log2(3)) / (1 + 1/log2(3)),
			prec: 1.0 / 2, recall: 1.0 / 2,
			ap: (1.0 / 2) / 2,
		},
		{
			name: "short list still divides precision by k",
			rec:  []int32{7}, rel: set(7), k: 10,
			ndcg: 1, prec: 0.1, recall: 1, ap: 1,
		},
		{
			name: "more relevant than k: AP divides by all relevant",
			rec:  []int32{1, 2}, rel: set(1, 2, 3, 4), k: 2,
			ndcg: 1, prec: 1, recall: 0.5, ap: 2.0 / 4,
		},
		{name: "no hits", rec: []int32{1, 2}, rel: set(3), k: 2},
		{name: "nothing relevant", rec: []int32{1}, rel: set(), k: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range []struct {
				name      string
				got, want float64
			}{
				{"ndcg", NDCGAtK(tt.rec, tt.rel, tt.k), tt.ndcg},
				{"precision", PrecisionAtK(tt.rec, tt.rel, tt.k), tt.prec},
				{"recall", RecallAtK(tt.rec, tt.rel, tt.k), tt.recall},
				{"ap", APAtK(tt.rec, tt.rel, tt.k), tt.ap},
			} {
				if math.Abs(m.got-m.want) > 1e-12 {
					t.Errorf("%s = %v, want %v", m.name, m.got, m.want)
				}
			}
		})
	}
}
