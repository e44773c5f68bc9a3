package trust_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/candorhq/candor/trust"
)

// memStore is an in-memory trust.Store that can fail its next writes.
type memStore struct {
	fail   int
	totals map[time.Time]map[string]int64
	levels map[string]int64
}

func (m *memStore) AddTrust(_ context.Context, hour time.Time, counts map[string]int64) error {
	if m.fail > 0 {
		m.fail--
		return errors.New("store down")
	}
	if m.totals[hour] == nil {
		m.totals[hour] = map[string]int64{}
	}
	for f, n := range counts {
		m.totals[hour][f] += n
	}
	return nil
}

func (m *memStore) SetTrust(_ context.Context, hour time.Time, values map[string]int64) error {
	if m.totals[hour] == nil {
		m.totals[hour] = map[string]int64{}
	}
	for f, n := range values {
		m.totals[hour][f] = n
	}
	return nil
}

func (m *memStore) TrustField(_ context.Context, hours []time.Time, field string) ([]int64, error) {
	out := make([]int64, len(hours))
	for i, h := range hours {
		out[i] = m.totals[h][field]
	}
	return out, nil
}

func (m *memStore) CustomerLevels(context.Context) (map[string]int64, error) { return m.levels, nil }

func (m *memStore) Trust(_ context.Context, hours []time.Time) ([]map[string]int64, error) {
	out := make([]map[string]int64, len(hours))
	for i, h := range hours {
		out[i] = m.totals[h]
	}
	return out, nil
}

// Counts go to the hour they happened in; a failed flush keeps them for
// the next one, so none is lost or counted twice.
func TestCounterKeepsCountsAcrossAFailedFlush(t *testing.T) {
	st := &memStore{fail: 1, totals: map[time.Time]map[string]int64{}}
	now := time.Date(2026, 3, 1, 9, 59, 0, 0, time.UTC)
	c := trust.NewCounter(st, func() time.Time { return now })
	c.Recommendation("full", "m1", 2)
	c.Feedback("not_interested", "m1", 2)
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("flush to a failing store reported no error")
	}
	now = now.Add(2 * time.Minute) // the next hour
	c.Recommendation("fallback", "m1", 2)
	c.Withdrawal(true)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	hours, err := c.Hours(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 3 || !hours[2].Start.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) || len(hours[0].Counts) != 0 {
		t.Fatalf("hours = %+v", hours)
	}
	for i, want := range []map[string]int64{
		1: {"rec:full": 1, "rec@m1@2": 1, "feedback:not_interested": 1, "feedback:not_interested@m1@2": 1},
		2: {"rec:fallback": 1, "rec@m1@2": 1, trust.WithdrawalShown: 1},
	} {
		if want == nil {
			continue
		}
		got := hours[i].Counts
		if len(got) != len(want) {
			t.Errorf("hour %d: %v, want %v", i, got, want)
		}
		for f, n := range want {
			if got[f] != n {
				t.Errorf("hour %d %s = %d, want %d", i, f, got[f], n)
			}
		}
	}
}

func TestNilCounterCountsNothing(t *testing.T) {
	var c *trust.Counter
	c.Recommendation("full", "m", 1) // must not panic: servers without totals pass nil
	c.Withdrawal(false)
}

// The customers shown a personalized answer in the window are the sum of
// the hours' counts of customers whose latest such answer was in that
// hour, over the window's hours only; a snapshot keeps them, and the
// levels, in the current hour for the console's past days and for Last.
func TestCustomersShownSumsTheWindowsHours(t *testing.T) {
	now := time.Date(2026, 3, 8, 9, 30, 0, 0, time.UTC)
	hour := now.Truncate(time.Hour)
	st := &memStore{totals: map[time.Time]map[string]int64{
		hour:                                     {trust.CustomersShown: 2},
		hour.Add(-trust.ShownWindow + time.Hour): {trust.CustomersShown: 3},  // the window's first hour
		hour.Add(-trust.ShownWindow):             {trust.CustomersShown: 5},  // before it
		hour.Add(-time.Hour):                     {trust.CustomersShown: -1}, // one moved on from it
	}, levels: map[string]int64{"full": 4, "none": 1}}
	c := trust.NewCounter(st, func() time.Time { return now })
	if _, ok := c.Last(); ok {
		t.Error("Last before any snapshot")
	}
	if err := c.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Last()
	if !ok || got.Shown != 4 || got.Levels["full"] != 4 || got.Levels["partial"] != 0 || got.Levels["none"] != 1 || len(got.Levels) != 3 {
		t.Errorf("customers = %+v, %v; want 4 shown, full 4, partial 0, none 1", got, ok)
	}
	snap := st.totals[hour]
	if snap[trust.SnapshotShown] != 4 || snap[trust.SnapshotLevel("full")] != 4 || snap[trust.CustomersShown] != 2 {
		t.Errorf("snapshot fields: %v", snap)
	}
}
