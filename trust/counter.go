// Package trust keeps what the marketer console's Trust panel draws: per
// hour, totals of recommendations by personalization level, feedback by
// kind and withdrawals (after a personalized recommendation or not), and
// per model and ruleset version the recommendations and feedback; and
// counts of customers: per consent level, and shown a personalized
// recommendation within ShownWindow. Totals only: nothing names a
// customer or an item, and an hour's totals expire Keep after it.
// Prometheus has the same numbers per replica (see the README); these are
// summed over replicas in the store, so the console can draw them without
// a Prometheus.
package trust

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor/consent"
)

// Store adds to and reads hourly totals and the counts of customers.
// Implemented by redisstore.Store.
type Store interface {
	// AddTrust adds counts to the totals of the hour that starts at hour
	// (all of them or none) and keeps that hour's totals until Keep after
	// it.
	AddTrust(ctx context.Context, hour time.Time, counts map[string]int64) error
	// SetTrust sets fields of the hour's totals to values (snapshots of
	// a count, not additions), kept like AddTrust's.
	SetTrust(ctx context.Context, hour time.Time, values map[string]int64) error
	// Trust returns the totals of the hours that start at each of hours,
	// in the same order; an hour without totals is an empty map.
	Trust(ctx context.Context, hours []time.Time) ([]map[string]int64, error)
	// TrustField returns one field of the hours' totals (0 when absent).
	TrustField(ctx context.Context, hours []time.Time, field string) ([]int64, error)
	// CustomerLevels returns how many customers the store counts at each
	// consent level (consent.RecordedLevel), kept as consent is written
	// and erased.
	CustomerLevels(ctx context.Context) (map[string]int64, error)
}

const (
	// Keep is how long an hour's totals are kept.
	Keep = 35 * 24 * time.Hour
	// MaxHours is the most hours Hours returns.
	MaxHours = 24 * 35
	// FlushEvery is how often Run adds what was counted to the store.
	FlushEvery = 10 * time.Second
)

// Counter counts in memory and adds the counts to the store every
// FlushEvery (Run), so counting costs a request no Redis call.
type Counter struct {
	store Store
	now   func() time.Time

	mu      sync.Mutex
	pending map[time.Time]map[string]int64 // hour → field → count

	last atomic.Pointer[Customers] // as Run last read them; nil before
}

// NewCounter returns a counter over store; now is its clock (nil:
// time.Now).
func NewCounter(store Store, now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{store: store, now: now, pending: map[time.Time]map[string]int64{}}
}

// Field names. Levels are "full", "partial", "none" and "fallback";
// versions are the model's and the ruleset's.
func recField(level string) string     { return "rec:" + level }
func feedbackField(kind string) string { return "feedback:" + kind }
func byVersion(field, model string, rs int) string {
	return field + "@" + model + "@" + strconv.Itoa(rs)
}

// Withdrawal fields: after a personalized recommendation of the withdrawn
// set within 7 days, or not.
const (
	WithdrawalShown = "withdrawal:shown"
	WithdrawalOther = "withdrawal:other"
)

// CustomersShown is the field of an hour's totals that counts the
// customers whose latest personalized answer was in that hour; the store
// moves a customer from one hour to a later one as their decisions are
// written, and out at erasure. Its sum over the last ShownWindow is the
// number of distinct customers shown a personalized answer in that
// window. An error in one hour's count (a move lost to a crash) leaves
// the sum when that hour leaves the window.
const CustomersShown = "customers_shown"

// ShownWindow is the window of Customers.Shown: consent.ShownWindow, the
// window a withdrawal counts as one after being shown a personalized
// recommendation.
const ShownWindow = consent.ShownWindow

// Snapshot fields of an hour's totals: Customers as last read in that
// hour (the console's past days divide by them).
const (
	SnapshotShown       = "snapshot:customers_shown"
	snapshotLevelPrefix = "snapshot:customers:"
)

// SnapshotLevel is the snapshot field of the customers at level.
func SnapshotLevel(level string) string { return snapshotLevelPrefix + level }

// Customers are the counts of customers, summed over every replica.
type Customers struct {
	// Levels counts the customers with a consent record by the level
	// their recorded choices allow (consent.RecordedLevel): full, partial,
	// none. Customers who never gave or refused consent are not counted.
	Levels map[string]int64 `json:"levels"`
	// Shown counts the distinct customers shown a personalized
	// recommendation in the last ShownWindow (whose decision was stored).
	Shown int64 `json:"shown_personalized"`
}

// Recommendation counts one answer at level ("fallback" when the store
// could not be read), under the model and ruleset versions it carried.
func (c *Counter) Recommendation(level, model string, ruleset int) {
	c.add(recField(level), byVersion("rec", model, ruleset))
}

// Feedback counts one piece of feedback of kind, under the versions of
// the decision it is about (those live when it arrived when it names none).
func (c *Counter) Feedback(kind, model string, ruleset int) {
	c.add(feedbackField(kind), byVersion(feedbackField(kind), model, ruleset))
}

// Withdrawal counts one withdrawal; shown reports that the customer had
// been shown a recommendation personalized with the withdrawn set.
func (c *Counter) Withdrawal(shown bool) {
	if shown {
		c.add(WithdrawalShown)
	} else {
		c.add(WithdrawalOther)
	}
}

func (c *Counter) add(fields ...string) {
	if c == nil {
		return
	}
	hour := c.now().UTC().Truncate(time.Hour)
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.bucket(hour)
	for _, f := range fields {
		m[f]++
	}
}

// bucket returns the pending counts of hour; c.mu must be held.
func (c *Counter) bucket(hour time.Time) map[string]int64 {
	m := c.pending[hour]
	if m == nil {
		m = map[string]int64{}
		c.pending[hour] = m
	}
	return m
}

// Run adds the counts to the store every FlushEvery until ctx ends, then
// once more; after each flush it reads the counts of customers (Last)
// and keeps them as a snapshot in the current hour's totals.
func (c *Counter) Run(ctx context.Context, onErr func(error)) {
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := c.Flush(fctx); err != nil {
				onErr(err)
			}
			return
		case <-t.C:
			err := c.Flush(ctx)
			if err == nil {
				err = c.Snapshot(ctx)
			}
			if err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

// Snapshot reads the counts of customers, keeps them for Last, and sets
// them in the current hour's snapshot fields.
func (c *Counter) Snapshot(ctx context.Context) error {
	cs, err := c.Customers(ctx)
	if err != nil {
		return err
	}
	c.last.Store(&cs)
	v := map[string]int64{SnapshotShown: cs.Shown}
	for l, n := range cs.Levels {
		v[SnapshotLevel(l)] = n
	}
	return c.store.SetTrust(ctx, c.now().UTC().Truncate(time.Hour), v)
}

// Last returns the counts of customers as Snapshot last read them (ok is
// false before it did), for the metrics: a scrape makes no Redis call.
func (c *Counter) Last() (Customers, bool) {
	if c == nil {
		return Customers{}, false
	}
	p := c.last.Load()
	if p == nil {
		return Customers{}, false
	}
	return *p, true
}

// Customers reads the counts of customers from the store: per consent
// level, and shown a personalized answer in the ShownWindow up to now
// (the current hour and the ShownWindow/time.Hour-1 before it).
func (c *Counter) Customers(ctx context.Context) (Customers, error) {
	levels, err := c.store.CustomerLevels(ctx)
	if err != nil {
		return Customers{}, err
	}
	out := Customers{Levels: map[string]int64{}}
	for _, l := range consent.Levels {
		out.Levels[l] = levels[l]
	}
	n, err := c.store.TrustField(ctx, c.lastHours(int(ShownWindow/time.Hour)), CustomersShown)
	if err != nil {
		return Customers{}, err
	}
	for _, v := range n {
		out.Shown += v
	}
	return out, nil
}

// lastHours returns the starts of the last n hours, oldest first.
func (c *Counter) lastHours(n int) []time.Time {
	last := c.now().UTC().Truncate(time.Hour)
	hours := make([]time.Time, n)
	for i := range hours {
		hours[i] = last.Add(-time.Duration(n-1-i) * time.Hour)
	}
	return hours
}

// Flush adds what was counted to the store. Counts whose write failed are
// kept for the next flush (an hour's write is all or nothing).
func (c *Counter) Flush(ctx context.Context) error {
	c.mu.Lock()
	batch := c.pending
	c.pending = map[time.Time]map[string]int64{}
	c.mu.Unlock()
	var first error
	for hour, counts := range batch {
		if err := c.store.AddTrust(ctx, hour, counts); err != nil {
			if first == nil {
				first = err
			}
			c.restore(hour, counts)
		}
	}
	return first
}

func (c *Counter) restore(hour time.Time, counts map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.bucket(hour)
	for f, n := range counts {
		m[f] += n
	}
}

// Hour is one hour's totals.
type Hour struct {
	Start  time.Time        `json:"start"`
	Counts map[string]int64 `json:"counts"`
}

// Hours returns the totals of the last n hours (1 to MaxHours), oldest
// first, the current hour last. Counts not yet flushed (at most
// FlushEvery old) are not included.
func (c *Counter) Hours(ctx context.Context, n int) ([]Hour, error) {
	n = min(max(n, 1), MaxHours)
	hours := c.lastHours(n)
	totals, err := c.store.Trust(ctx, hours)
	if err != nil {
		return nil, err
	}
	out := make([]Hour, n)
	for i, h := range hours {
		out[i] = Hour{Start: h, Counts: totals[i]}
		if out[i].Counts == nil {
			out[i].Counts = map[string]int64{}
		}
	}
	return out, nil
}
