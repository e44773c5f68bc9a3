package importer

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"sync"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/features"
)

// eventLine is one line of an events file.
type eventLine struct {
	EventID     string   `json:"event_id"`
	Customer    string   `json:"customer"`
	AnonymousID string   `json:"anonymous_id"`
	Type        string   `json:"type"`
	Item        string   `json:"item"`
	Time        string   `json:"time"`
	Value       *float64 `json:"value"`    // a rating's stars (0.5 to 5)
	Quantity    *float64 `json:"quantity"` // checked, not stored
	Channel     string   `json:"channel"`  // with action: where the action was delivered
	Action      string   `json:"action"`   // an impression, click or dismissal of a next-best action
}

var eventSchema = newSchema(eventLine{}, "event_id", "type", "time")

// MaxQuantity is the largest quantity an event may carry.
const MaxQuantity = 1_000_000

// event checks what an import needs beyond POST /v1/events (an event ID,
// so that importing again stores nothing twice; a time, not in the
// future; a whole quantity) and returns the event for the API's checks.
func (l *eventLine) event(now time.Time) (features.Event, error) {
	if err := missing(field{"event_id", l.EventID != ""}, field{"type", l.Type != ""}, field{"time", l.Time != ""}); err != nil {
		return features.Event{}, err
	}
	ev := features.Event{EventID: l.EventID, CustomerID: l.Customer, AnonymousID: l.AnonymousID, Type: features.EventType(l.Type),
		ItemID: l.Item, ActionID: l.Action, Channel: l.Channel}
	if l.Customer == "" && l.AnonymousID == "" {
		return ev, fmt.Errorf("a line needs customer (or anonymous_id)")
	}
	if err := candor.ValidateID("event_id", l.EventID); err != nil {
		return ev, err
	}
	var err error
	if ev.Time, err = parseTime("time", l.Time); err != nil {
		return ev, err
	}
	if ev.Time.Unix() < 0 { // the API's check, but for year 1, which would read as "now" there
		return ev, fmt.Errorf("time %s is before 1970", ev.Time.Format(time.RFC3339))
	}
	if err := notFuture("time", ev.Time, now); err != nil {
		return ev, err
	}
	if l.Value != nil {
		ev.Value = *l.Value
	}
	if q := l.Quantity; q != nil && (*q != float64(int64(*q)) || *q < 1 || *q > MaxQuantity) {
		return ev, fmt.Errorf("quantity must be a whole number from 1 to %d, got %g", MaxQuantity, *q)
	}
	return ev, nil
}

// pendingEvent is an event with its line, waiting for its batch.
type pendingEvent struct {
	ev   features.Event
	line int
}

// DefaultBuffer is how many events are gathered, sorted by customer, and
// sent in batches of features.MaxBatch, so that one script call stores
// many events of one customer: a customer's consent is read and its sets
// trimmed once per call, which costs more than storing an event. A file in
// time order spreads a customer's events over the whole file, so the
// buffer is large (about 300 bytes an event).
const DefaultBuffer = 200_000

// events loads an events file.
func (im *Importer) events(ctx context.Context, lines *lineSource, o Options, sum *Summary) error {
	if err := im.deps.ReloadCatalog(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan []pendingEvent, o.Workers)
	var wg sync.WaitGroup
	var done counter
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if ctx.Err() != nil {
					continue
				}
				if err := im.collect(ctx, b, sum); err != nil {
					cancel(err)
				}
				if n := done.add(len(b)); o.Progress != nil {
					o.Progress(n)
				}
			}
		}()
	}
	r := eventReader{im: im, sum: sum, o: o, cat: im.deps.Catalog(), seen: map[uint64]int32{}, seed: maphash.MakeSeed()}
	err := r.read(ctx, lines, func(buf []pendingEvent) {
		for _, b := range byCustomer(buf, features.MaxBatch) {
			select {
			case work <- b:
			case <-ctx.Done():
				return
			}
		}
	})
	close(work)
	wg.Wait()
	if o.Progress != nil {
		o.Progress(done.add(0))
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// byCustomer cuts buf into batches of at most size events in which each
// customer's events are together, in file order.
func byCustomer(buf []pendingEvent, size int) [][]pendingEvent {
	at := make(map[string][]int32, len(buf)/4)
	var order []string
	for i := range buf {
		id := buf[i].ev.CustomerID
		if _, ok := at[id]; !ok {
			order = append(order, id)
		}
		at[id] = append(at[id], int32(i))
	}
	var out [][]pendingEvent
	b := make([]pendingEvent, 0, size)
	for _, id := range order {
		for _, i := range at[id] {
			b = append(b, buf[i])
			if len(b) == size {
				out, b = append(out, b), make([]pendingEvent, 0, size)
			}
		}
	}
	if len(b) > 0 {
		out = append(out, b)
	}
	return out
}

// eventReader decodes events, refuses repeated event IDs and those too old
// to keep, and hands the rest on in buffers.
type eventReader struct {
	im   *Importer
	sum  *Summary
	o    Options
	cat  *catalog.Snapshot
	seen map[uint64]int32 // hash of an event ID → its line: 12 bytes an event
	seed maphash.Seed
}

func (r *eventReader) read(ctx context.Context, lines *lineSource, flush func([]pendingEvent)) error {
	buf := make([]pendingEvent, 0, r.o.Buffer)
	for ctx.Err() == nil {
		var l eventLine
		n, err := lines.next(&l)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		now := r.im.deps.Now()
		ev, err := l.event(now)
		if err != nil {
			r.sum.problem(Problem{Line: n, Message: lineMessage(err)})
			continue
		}
		if r.repeated(ev.EventID, n) {
			continue
		}
		if r.o.DryRun {
			if err := features.Validate(&ev, now, r.cat.Lookup); err != nil {
				r.sum.problem(Problem{Line: n, Message: lineMessage(err)})
			} else {
				r.sum.count(1, 0, 0)
			}
			continue
		}
		buf = append(buf, pendingEvent{ev: ev, line: n})
		if len(buf) == cap(buf) {
			flush(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		flush(buf)
	}
	return context.Cause(ctx)
}

// repeated reports (and records) an event ID seen on an earlier line.
func (r *eventReader) repeated(id string, line int) bool {
	h := maphash.String(r.seed, id)
	if at, ok := r.seen[h]; ok {
		r.sum.problem(Problem{Line: line, Message: fmt.Sprintf("event_id %q repeats line %d; the first one was kept", id, at), Duplicate: true})
		return true
	}
	r.seen[h] = int32(min(line, 1<<31-1))
	return false
}

// collect sends one batch through the collection gate, retrying when the
// store is unavailable (every event has an event ID, so a retry stores
// nothing twice), and tallies the outcomes.
func (im *Importer) collect(ctx context.Context, b []pendingEvent, sum *Summary) error {
	evs := make([]features.Event, len(b))
	for i := range b {
		evs[i] = b[i].ev
	}
	var outs []features.Outcome
	err := retry(ctx, func() (err error) {
		outs, err = im.deps.Events.Collect(ctx, evs, false)
		return err
	})
	if err != nil {
		return fmt.Errorf("events of lines %d to %d: %w", b[0].line, b[len(b)-1].line, err)
	}
	stored, again := 0, 0
	drops := map[string]int{}
	for i, o := range outs {
		switch {
		case o.Status == features.Invalid:
			sum.problem(Problem{Line: b[i].line, Message: o.Message})
		case o.Status == features.Dropped:
			drops[o.Reason]++
		case o.Repeat:
			again++
		default:
			stored++
		}
	}
	sum.count(stored, again, 0)
	for r, n := range drops {
		sum.drop(r, n)
	}
	return nil
}
