package recommend

import (
	"context"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"sync"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
)

// memDecisions is an in-memory DecisionStore.
type memDecisions struct {
	mu      sync.Mutex
	recs    []DecisionRecord
	batches []int // the size of each AppendDecisions call
}

func (m *memDecisions) AppendDecisions(_ context.Context, recs []DecisionRecord, _ Retention) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, recs...)
	m.batches = append(m.batches, len(recs))
	return nil
}

func (m *memDecisions) written() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
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

// A running writer takes what was queued on its tick and writes all of
// it, in the order queued, in batches of at most 256 records, however
// many were queued between two ticks.
func TestRunningWriterWritesEverythingQueued(t *testing.T) {
	store := &memDecisions{}
	w := NewWriter(store, Retention{}, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	for i := range 600 {
		w.Record(&Response{DecisionID: fmt.Sprint(i), CustomerID: "c", Time: "2026-11-25T10:00:00Z"})
	}
	eventually.True(t, "600 records written", func() bool { return store.written() >= 600 })
	cancel()
	<-done
	if written, dropped, failed := w.Stats(); written != 600 || dropped != 0 || failed != 0 || store.written() != 600 {
		t.Fatalf("written %d (store %d), dropped %d, failed %d; want all 600", written, store.written(), dropped, failed)
	}
	for i, r := range store.recs {
		if r.ID != fmt.Sprint(i) {
			t.Fatalf("record %d is %s: not in the order queued", i, r.ID)
		}
	}
	for _, n := range store.batches {
		if n > 256 {
			t.Errorf("a batch of %d records", n)
		}
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
