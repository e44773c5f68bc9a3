package recommend

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
)

// DecisionRecord is one decision record (see EncodeRecord): what was
// shown and why, with its personal evidence apart.
type DecisionRecord struct {
	ID         string
	CustomerID string // "" for anonymous requests
	Time       time.Time
	// Record is the record without its personal evidence, and Evidence
	// that evidence: sections the store appends to Record only while the
	// customer's consent log head is still ConsentHead, so that a record
	// that waited in a queue through a withdrawal or an erasure cannot
	// bring the evidence back. Read back, Record is the record as stored,
	// with the evidence sections still held, and Evidence is nil.
	Record      []byte
	Evidence    []byte
	ConsentHead string
	// Personalized reports that the answer used some of the customer's
	// feature sets, for the count of customers shown one (trust).
	Personalized bool
	// Legacy is set only for a record read from before the compact format:
	// Record is then the decision's JSON, and Legacy the evidence documents
	// by feature set still held for it (see JoinEvidence).
	Legacy map[string][]byte
}

// Retention is how long and how many decision records are kept. They
// answer "why am I seeing this?" and the customer's export; the defaults
// keep what that needs and no more.
type Retention struct {
	Keep        time.Duration // how long a record is kept; default 30 days
	PerCustomer int           // the most records kept per customer, newest first; default 50
	Anonymous   int           // the most records of anonymous visitors kept, all together; default 10,000
}

// Retention defaults.
const (
	DefaultKeep        = 30 * 24 * time.Hour
	DefaultPerCustomer = 50
	DefaultAnonymous   = 10000
)

// WithDefaults returns r with every zero field set to its default.
func (r Retention) WithDefaults() Retention {
	if r.Keep <= 0 {
		r.Keep = DefaultKeep
	}
	if r.PerCustomer <= 0 {
		r.PerCustomer = DefaultPerCustomer
	}
	if r.Anonymous <= 0 {
		r.Anonymous = DefaultAnonymous
	}
	return r
}

// DecisionStore keeps decision records. Implemented by redisstore.Store.
type DecisionStore interface {
	// AppendDecisions writes recs, each record's Evidence only if its
	// customer's consent log head is still its ConsentHead, and keeps only
	// what ret allows, with at most one command per record.
	AppendDecisions(ctx context.Context, recs []DecisionRecord, ret Retention) error
	// Decision returns the record of decision id of customerID ("" =
	// anonymous) with the evidence still held; not_found when that
	// customer has no such decision.
	Decision(ctx context.Context, customerID, id string) (DecisionRecord, error)
	// Decisions returns every record held for customerID, oldest first.
	Decisions(ctx context.Context, customerID string) ([]DecisionRecord, error)
}

// Writer records decisions off the request path: Record encodes the
// compact record and never blocks; a background loop writes batches in
// one pipeline. The queue holds records, not answers: a few hundred bytes
// each where an answer at a long history takes hundreds of kilobytes, so
// a queue backed up by a Redis outage stays small. When the queue is full
// the record is dropped and counted.
type Writer struct {
	store   DecisionStore
	ret     Retention
	queue   chan DecisionRecord
	dropped atomic.Int64
	written atomic.Int64
	failed  atomic.Int64

	mu     sync.Mutex
	erased map[string]time.Time // customer → when erased: older records are not written
}

// forgetFor is how long Forget remembers an erased customer: longer than
// any record waits in the queue.
const forgetFor = time.Minute

// NewWriter returns a writer with a queue of size records that keeps
// what ret allows (zero fields: the defaults).
func NewWriter(store DecisionStore, ret Retention, size int) *Writer {
	return &Writer{store: store, ret: ret.WithDefaults(), queue: make(chan DecisionRecord, size), erased: map[string]time.Time{}}
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

// Record queues resp's record, or drops it when the queue is full; a
// response that cannot be recorded is counted as failed.
func (w *Writer) Record(resp *Response) {
	rec, err := recordOf(resp)
	if err != nil {
		w.failed.Add(1)
		return
	}
	select {
	case w.queue <- rec:
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

// writeEvery is how often the writer takes what is queued.
const writeEvery = 20 * time.Millisecond

// Run writes queued records in batches, every writeEvery, until ctx ends,
// then flushes what is queued. It waits on its ticker, not on the queue:
// a goroutine waiting on the queue is woken by every Record, which cost
// a request more CPU than queueing its record (about 13 µs of a
// recommendation's in a harness profile), and the records would wait for
// the tick's flush anyway.
func (w *Writer) Run(ctx context.Context) {
	batch := make([]DecisionRecord, 0, 256)
	tick := time.NewTicker(writeEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			batch = w.drain(batch)
		case <-ctx.Done():
			w.drain(batch)
			return
		}
	}
}

// drain writes every queued record, in batches of at most cap(batch).
func (w *Writer) drain(batch []DecisionRecord) []DecisionRecord {
	for {
		select {
		case r := <-w.queue:
			batch = append(batch, r)
			if len(batch) == cap(batch) {
				batch = w.flush(batch)
			}
		default:
			return w.flush(batch)
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
	if err := w.store.AppendDecisions(ctx, batch, w.ret); err != nil {
		w.failed.Add(int64(len(batch)))
	} else {
		w.written.Add(int64(len(batch)))
	}
	return batch[:0]
}

// recordOf is the decision record of r, its personal evidence apart.
func recordOf(r *Response) (DecisionRecord, error) {
	rec, ev, err := EncodeRecord(r)
	if err != nil {
		return DecisionRecord{}, candor.Wrap("recommend.recordOf", err)
	}
	t, _ := time.Parse(time.RFC3339Nano, r.Time)
	personal := r.CustomerID != "" && !r.Fallback.Active && r.Personalization.Level != consent.LevelNone
	return DecisionRecord{ID: r.DecisionID, CustomerID: r.CustomerID, Time: t, Record: rec, Evidence: ev, ConsentHead: r.consentHead, Personalized: personal}, nil
}

// decodeStored returns stored decision rec as shown, with the titles and
// categories of cat: a recommendation as resp, a decision of another kind
// as its JSON.
func decodeStored(rec DecisionRecord, cat *catalog.Snapshot) (resp *Response, doc []byte, err error) {
	if rec.Legacy != nil || len(rec.Record) > 0 && rec.Record[0] == '{' {
		doc, err := joinJSON(rec.ID, rec.Record, rec.Legacy)
		return nil, doc, err
	}
	p, err := parseRecord(rec.Record)
	if err != nil {
		return nil, nil, errUnreadable(rec.ID, err)
	}
	if p.bodyTag == tagJSON {
		docs := make(map[string][]byte, len(p.evidence))
		for set, sec := range p.evidence {
			docs[string(set)] = sec
		}
		doc, err := joinJSON(rec.ID, p.body, docs)
		return nil, doc, err
	}
	if cat == nil {
		cat = noCatalog
	}
	resp, err = decodeCompact(p, rec.CustomerID, cat)
	if err != nil {
		return nil, nil, errUnreadable(rec.ID, err)
	}
	return resp, nil, nil
}

// joinJSON is a JSON record with its evidence joined back (see
// JoinEvidence), checked to be one JSON object.
func joinJSON(id string, body []byte, docs map[string][]byte) ([]byte, error) {
	doc, err := JoinEvidence(body, docs)
	if err == nil && (!json.Valid(doc) || doc[0] != '{') {
		err = errCorrupt
	}
	if err != nil {
		return nil, errUnreadable(id, err)
	}
	return doc, nil
}

// noCatalog names no item: every item shows its ID.
var noCatalog = catalog.NewSnapshot(nil, nil)

// errUnreadable is the error of a stored record that does not decode.
func errUnreadable(id string, err error) error {
	return &candor.Error{Code: candor.EInternal, Op: "recommend.decodeStored", Err: err,
		Message: fmt.Sprintf("Decision %q is stored in a format this version of Candor cannot read; it cannot be shown.", id)}
}
