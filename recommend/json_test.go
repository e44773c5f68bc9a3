package recommend

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// randomResponse builds a response with every field type an answer has,
// with the strings and numbers that encoders disagree on when they do:
// HTML characters, control characters, invalid UTF-8, U+2028, tiny, huge
// and negative floats, nil and empty slices, shared control bodies.
func randomResponse(rng *rand.Rand) *Response {
	strs := []string{"", "plain", "<b>&</b>", "tab\there", "nl\nx", "\x00\x1f", "é ü 東京", "\u2028\u2029", "bad\xffutf8", `quote"back\slash`, "🙂"}
	floats := []float64{0, 1, -1, 0.1, 1e-7, 1e-6, 123456789.125, 1e21, 1e20, -2.5e-9, math.SmallestNonzeroFloat64, 0.30000000000000004}
	s := func() string { return strs[rng.IntN(len(strs))] }
	f := func() float64 { return floats[rng.IntN(len(floats))] * (1 + float64(rng.IntN(3))) }
	r := &Response{DecisionID: s(), ModelVersion: s(), RulesetVersion: rng.IntN(5), Placement: s(), CustomerID: s(), Time: s(),
		Personalization: Personalization{Level: s(), UsedSets: []string{s()}, Withheld: []Withheld{{Set: s(), Reason: s()}}},
		Fallback:        Fallback{Active: rng.IntN(2) == 0, Reason: s()}}
	if rng.IntN(2) == 0 {
		r.Warnings = []string{s(), s()}
		r.Short = &Shortfall{Requested: 10, Returned: rng.IntN(10), Excluded: map[string]int{s(): 3, "bought": 1}, Message: s()}
	}
	for range rng.IntN(4) {
		it := Item{ItemID: s(), Title: s(), Score: f()}
		if rng.IntN(3) > 0 {
			it.Category = []string{s(), s()}
		}
		for range rng.IntN(3) {
			rs := Reason{Kind: s(), Text: s(), FeatureSet: s(), Contribution: f(), RuleID: s(), EvidenceDeleted: rng.IntN(2) == 0}
			if rng.IntN(2) == 0 {
				rs.Evidence = []string{s(), s()}
			}
			it.Reasons = append(it.Reasons, rs)
		}
		body := any(&FeedbackBody{Kind: s(), ItemID: s(), Category: s()})
		if rng.IntN(2) == 0 {
			body = &ConsentBody{Scopes: map[string]string{s(): s(), "b": s()}}
		}
		it.Controls = []Control{{Kind: s(), Label: s(), Method: "POST", Path: s(), Body: body}}
		r.Items = append(r.Items, it)
	}
	return r
}

// TestAnswerJSONIsEncodingJSON: the faster encoder the answer is written
// with gives exactly the bytes encoding/json gives.
func TestAnswerJSONIsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		r := randomResponse(rng)
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeAnswer(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Bytes()) != string(want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkAnswerJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	rs := make([]*Response, 64)
	for i := range rs {
		rs[i] = randomResponse(rng)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, _ = json.Marshal(rs[i%len(rs)])
			i++
		}
	})
	b.Run("answer", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, _ = encodeAnswer(rs[i%len(rs)])
			i++
		}
	})
}
