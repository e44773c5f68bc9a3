package recommend

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
)

// memDecisions is an in-memory DecisionStore.
type memDecisions struct {
	mu   sync.Mutex
	recs []DecisionRecord
}

func (m *memDecisions) AppendDecisions(_ context.Context, recs []DecisionRecord, _ Retention) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, recs...)
	return nil
}

func (m *memDecisions) Decision(context.Context, string, string) (DecisionRecord, error) {
	return DecisionRecord{}, nil
}

func (m *memDecisions) Decisions(context.Context, string) ([]DecisionRecord, error) { return nil, nil }

func (m *memDecisions) customers() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.recs {
		out = append(out, r.CustomerID+"@"+r.Time.Format("15:04"))
	}
	return out
}

// A decision queued before its customer's erasure is never written; one
// made after it is (new activity), as are other customers'.
func TestWriterForgetsErasedCustomers(t *testing.T) {
	store := &memDecisions{}
	w := NewWriter(store, Retention{}, 10)
	at := func(hm string) string { return "2026-11-25T" + hm + ":00Z" }
	w.Record(&Response{DecisionID: "d1", CustomerID: "gone", Time: at("10:00")})
	w.Record(&Response{DecisionID: "d2", CustomerID: "kept", Time: at("10:00")})
	w.Forget("gone", time.Date(2026, 11, 25, 10, 1, 0, 0, time.UTC))
	w.Record(&Response{DecisionID: "d3", CustomerID: "gone", Time: at("10:02")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run drains what is queued and returns
	w.Run(ctx)
	got := store.customers()
	want := []string{"kept@10:00", "gone@10:02"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("written %v, want %v", got, want)
	}
}

// The queue holds compact records, made when Record is called, not the
// answers: what is written is what was answered even if the answer is
// changed or gone afterwards, and a response that cannot be recorded is
// counted as failed without being queued.
func TestWriterQueuesRecords(t *testing.T) {
	store := &memDecisions{}
	w := NewWriter(store, Retention{}, 10)
	resp := &Response{DecisionID: "0123456789abcdef0123456789abcdef", CustomerID: "c1", Time: "2026-11-25T10:00:00Z", ModelVersion: "m1",
		Items: []Item{{ItemID: "i1", Reasons: []Reason{{Kind: KindPopular, FeatureSet: "none", Contribution: 0.5}}}}}
	w.Record(resp)
	resp.Items, resp.ModelVersion = nil, "changed"
	w.Record(&Response{DecisionID: "d2", CustomerID: "c1", Time: "not a time"})
	if w.Queued() != 1 {
		t.Fatalf("%d queued, want 1", w.Queued())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	if _, _, failed := w.Stats(); failed != 1 || len(store.recs) != 1 {
		t.Fatalf("failed %d, written %d; want 1 and 1", failed, len(store.recs))
	}
	got, _, err := decodeStored(store.recs[0], catalog.NewSnapshot(nil, nil))
	if err != nil || got.ModelVersion != "m1" || len(got.Items) != 1 || got.Items[0].ItemID != "i1" {
		t.Fatalf("written %+v, %v; want the answer as it was when recorded", got, err)
	}
}
