package models

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/candorhq/candor"
)

// artifactModel returns a small model with tuned scoring and metrics.
func artifactModel(tb testing.TB) *Model {
	tb.Helper()
	d := randomData(tb, 200, 40, 8, 1)
	sc := DefaultScoring()
	sc.PurchaseHalfLife, sc.Prior, sc.Note = 90*24*time.Hour, 0.02, "validated"
	m := train(tb, d, TrainOptions{Kind: KindEASE, Lambda: 20, K: 10, Scoring: sc,
		Clock: func() time.Time { return time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC) }})
	m.Meta.Metrics = map[string]float64{"ndcg_at_k": 0.4}
	return m
}

func encode(tb testing.TB, m *Model) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestArtifactRoundTrip(t *testing.T) {
	m := artifactModel(t)
	b := encode(t, m)
	got, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("decoded model differs:\n got %+v\nwant %+v", got, m)
	}
	if again := encode(t, got); !bytes.Equal(again, b) {
		t.Error("re-encoding the decoded model gives different bytes")
	}
}

func TestArtifactRefusesCorruption(t *testing.T) {
	b := encode(t, artifactModel(t))
	tests := []struct {
		name string
		edit func([]byte) []byte
	}{
		{"empty", func(b []byte) []byte { return nil }},
		{"truncated header", func(b []byte) []byte { return b[:10] }},
		{"truncated body", func(b []byte) []byte { return b[:len(b)/2] }},
		{"missing checksum", func(b []byte) []byte { return b[:len(b)-32] }},
		{"short checksum", func(b []byte) []byte { return b[:len(b)-1] }},
		{"bad magic", func(b []byte) []byte { b[0] ^= 0xff; return b }},
		{"newer version", func(b []byte) []byte { b[8] = 2; return b }},
		{"huge length", func(b []byte) []byte { b[23] = 0x7f; return b }},
	}
	for _, at := range []int{headerLen + 3, len(b) / 3, len(b) / 2, len(b) - 40, len(b) - 1} {
		tests = append(tests, struct {
			name string
			edit func([]byte) []byte
		}{"flip byte", func(b []byte) []byte { b[at] ^= 0x10; return b }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(bytes.NewReader(tt.edit(bytes.Clone(b))))
			if m != nil || candor.ErrorCode(err) != candor.EInvalid {
				t.Fatalf("Decode = %v, %v; want no model and an invalid error", m, err)
			}
			if msg := candor.ErrorMessage(err); msg == "" {
				t.Error("no message")
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(f, artifactModel(f)))
	f.Add(encode(f, train(f, pairs(f, [2]string{"u", "a"}), TrainOptions{Kind: KindPopularity})))
	f.Add([]byte(artifactMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(bytes.NewReader(b))
		if err != nil {
			if m != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		walk(t, m)
	})
}

// FuzzDecodeBody skips the checksum to reach the body parser and validator.
func FuzzDecodeBody(f *testing.F) {
	for _, m := range []*Model{artifactModel(f), train(f, pairs(f, [2]string{"u", "a"}), TrainOptions{Kind: KindPopularity})} {
		b := encode(f, m)
		f.Add(b[headerLen : len(b)-32])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := decodeBody(body)
		if err != nil {
			return
		}
		walk(t, m)
	})
}

// walk reads everything the scorer reads of a decoded model; it must not
// panic, and every neighbour must be an item.
func walk(t *testing.T, m *Model) {
	t.Helper()
	if err := m.Scoring().Validate(); err != nil {
		t.Fatalf("a decoded model has invalid scoring: %v", err)
	}
	for i := range int32(m.NumItems()) {
		m.Popularity(i)
		nbr, _ := m.Neighbours(i)
		for _, j := range nbr {
			if j < 0 || int(j) >= m.NumItems() {
				t.Fatalf("item %d has neighbour %d outside the items", i, j)
			}
			m.Weight(i, j)
		}
		if got, ok := m.Item(m.ID(i)); !ok || got != i {
			t.Fatalf("item %d does not look up to itself", i)
		}
	}
}

// TestDecodeOldArtifact reads an artifact written before the scoring was
// part of the model: it gets the default scoring.
func TestDecodeOldArtifact(t *testing.T) {
	m := artifactModel(t)
	m.Params.Scoring = Scoring{}
	got, err := Decode(bytes.NewReader(encode(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Scoring() != DefaultScoring() {
		t.Errorf("scoring %+v, want the defaults", got.Scoring())
	}
}

func TestDecodeRefusesBadScoring(t *testing.T) {
	for _, bad := range []func(*Scoring){
		func(s *Scoring) { s.Prior = 3 },
		func(s *Scoring) { s.RecencyRank = MaxRecencyRank + 1 },
		func(s *Scoring) { s.RecencyRank = -1 },
	} {
		m := artifactModel(t)
		bad(&m.Params.Scoring)
		if _, err := Decode(bytes.NewReader(encode(t, m))); candor.ErrorCode(err) != candor.EInvalid {
			t.Fatalf("Decode(%+v) = %v, want an invalid error", m.Params.Scoring, err)
		}
	}
}

func TestDecodeRefusesBadOffsets(t *testing.T) {
	m := artifactModel(t)
	m.offsets[1] = int32(len(m.w) + 10) // beyond the weights, then back down
	b := encode(t, m)
	if _, err := Decode(bytes.NewReader(b)); candor.ErrorCode(err) != candor.EInvalid {
		t.Fatalf("Decode = %v, want an invalid error", err)
	}
}
