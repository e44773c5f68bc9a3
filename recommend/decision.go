package recommend

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
)

// DecisionRecord is one stored decision: the response as shown, which holds
// every item's contributions and the consent state at that moment, with
// its personal evidence kept apart by feature set (see SplitReasons).
type DecisionRecord struct {
	ID         string
	CustomerID string // "" for anonymous requests
	Time       time.Time
	Body       []byte            // the decision as JSON, without personal evidence
	Evidence   map[string][]byte // feature set → that set's evidence (SplitReasons)
	// ConsentHead is the consent log head the decision was made under. The
	// store keeps Evidence only while the customer's head is still this
	// one, so a record that waited in a queue through a withdrawal or an
	// erasure cannot bring the evidence back.
	ConsentHead string
}

// DecisionStore keeps decision records. Implemented by redisstore.Store.
type DecisionStore interface {
	// AppendDecisions writes recs, each record's Evidence only if its
	// customer's consent log head is still its ConsentHead.
	AppendDecisions(ctx context.Context, recs []DecisionRecord, keep time.Duration) error
	// Decision returns decision id of customerID ("" = anonymous) with the
	// evidence still held; not_found when that customer has no such
	// decision.
	Decision(ctx context.Context, customerID, id string) (DecisionRecord, error)
}

// Writer records decisions off the request path: Record never blocks; a
// background loop writes batches in one pipeline. When the queue is full
// the record is dropped and counted.
type Writer struct {
	store   DecisionStore
	keep    time.Duration
	queue   chan *Response
	dropped atomic.Int64
	written atomic.Int64
	failed  atomic.Int64

	mu     sync.Mutex
	erased map[string]time.Time // customer → when erased: older records are not written
}

// forgetFor is how long Forget remembers an erased customer: longer than
// any record waits in the queue.
const forgetFor = time.Minute

// DefaultKeep is how long decision records are kept.
const DefaultKeep = 30 * 24 * time.Hour

// NewWriter returns a writer with a queue of size records.
func NewWriter(store DecisionStore, keep time.Duration, size int) *Writer {
	if keep <= 0 {
		keep = DefaultKeep
	}
	return &Writer{store: store, keep: keep, queue: make(chan *Response, size), erased: map[string]time.Time{}}
}

// Forget drops the records of customer id made up to now that are still
// queued or not yet written, so that a decision made before an erasure
// cannot bring the customer's decisions key back after it. A batch
// already on its way to Redis may still land; the erasure's later sweep
// (see DeleteDecisions) removes it.
func (w *Writer) Forget(id string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c, t := range w.erased {
		if now.Sub(t) > forgetFor {
			delete(w.erased, c)
		}
	}
	w.erased[id] = now
}

// forgotten reports whether rec was made before its customer was erased.
func (w *Writer) forgotten(rec DecisionRecord) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.erased[rec.CustomerID]
	return ok && !rec.Time.After(t)
}

// Record queues resp, or drops it when the queue is full.
func (w *Writer) Record(resp *Response) {
	select {
	case w.queue <- resp:
	default:
		w.dropped.Add(1)
	}
}

// Stats returns how many records were written, dropped (queue full) and
// lost to store errors.
func (w *Writer) Stats() (written, dropped, failed int64) {
	return w.written.Load(), w.dropped.Load(), w.failed.Load()
}

// Queued returns how many records wait in the queue.
func (w *Writer) Queued() int { return len(w.queue) }

// Run writes queued records in batches until ctx ends, then flushes what
// is queued.
func (w *Writer) Run(ctx context.Context) {
	batch := make([]DecisionRecord, 0, 256)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-w.queue:
			batch = w.add(batch, r)
			if len(batch) == cap(batch) {
				batch = w.flush(batch)
			}
		case <-tick.C:
			batch = w.flush(batch)
		case <-ctx.Done():
			w.drain(batch)
			return
		}
	}
}

func (w *Writer) drain(batch []DecisionRecord) {
	for {
		select {
		case r := <-w.queue:
			batch = w.add(batch, r)
		default:
			w.flush(batch)
			return
		}
	}
}

func (w *Writer) flush(batch []DecisionRecord) []DecisionRecord {
	batch = slices.DeleteFunc(batch, w.forgotten)
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := w.store.AppendDecisions(ctx, batch, w.keep); err != nil {
		w.failed.Add(int64(len(batch)))
	} else {
		w.written.Add(int64(len(batch)))
	}
	return batch[:0]
}

// add appends the record of r to batch; a response that cannot be
// recorded is counted as failed.
func (w *Writer) add(batch []DecisionRecord, r *Response) []DecisionRecord {
	rec, err := recordOf(r)
	if err != nil {
		w.failed.Add(1)
		return batch
	}
	return append(batch, rec)
}

// recordOf is the decision record of r, its personal evidence split off.
func recordOf(r *Response) (DecisionRecord, error) {
	b, docs, err := r.recordBody()
	if err != nil {
		return DecisionRecord{}, candor.Wrap("recommend.recordOf", err)
	}
	t, _ := time.Parse(time.RFC3339Nano, r.Time)
	return DecisionRecord{ID: r.DecisionID, CustomerID: r.CustomerID, Time: t, Body: b, Evidence: docs, ConsentHead: r.consentHead}, nil
}
