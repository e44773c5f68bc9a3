package recommend

import (
	"math"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// TestEvidenceWeighsRecencyRank holds each evidence item's weight to
// Weight·(1 + RecencyRank·q), q its time's percentile in the customer's
// whole granted history (ties share their mean rank), across sets and
// past max_evidence's cut.
func TestEvidenceWeighsRecencyRank(t *testing.T) {
	_, m := recommendtest.World(1, 60)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	st := &features.State{CustomerID: "c", Interactions: map[consent.Scope][]features.Interaction{
		consent.Purchases: {{Item: "i001", Last: at(0), Count: 1}, {Item: "i002", Last: at(2), Count: 1}, {Item: "i003", Last: at(2), Count: 2}, {Item: "i004", Last: at(5), Count: 1}},
		consent.Browsing:  {{Item: "i010", Last: at(1), Count: 1}, {Item: "i011", Last: at(9), Count: 1}},
	}}
	// Sorted times 0, 1, 2, 2, 5, 9: ranks 0, 1, 2.5, 2.5, 4, 5 of 5.
	q := map[string]float64{"i001": 0, "i010": 0.2, "i002": 0.5, "i003": 0.5, "i004": 0.8, "i011": 1}
	for _, rank := range []float64{0, 2} {
		sc := models.DefaultScoring()
		sc.RecencyRank, sc.MaxEvidence = rank, 3 // the oldest purchase is cut, yet still ranks the others
		ev := gather(nil, scored{m, sc}, st, &Request{CustomerID: "c"})
		if len(ev) != 5 {
			t.Fatalf("recency rank %g: %d evidence items, want 5", rank, len(ev))
		}
		for _, e := range ev {
			base, count := sc.Purchase, map[string]int{"i003": 2}[e.id]
			if e.set == string(consent.Browsing) {
				base = sc.View
			}
			want := sc.Weight(base, count, 0) * (1 + rank*q[e.id])
			if math.Abs(e.weight-want) > 1e-12 {
				t.Errorf("recency rank %g: %s weighs %v, want %v", rank, e.id, e.weight, want)
			}
		}
	}
}
