package features_test

import (
	"context"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

type lookupFunc func(id string) (exists, sensitive bool)

func (f lookupFunc) Lookup(id string) (bool, bool) { return f(id) }

// browsingAndPurchases is a request at now and a decision that grants
// browsing and purchases.
func browsingAndPurchases(now time.Time) (consent.Request, consent.Decision) {
	req := consent.Request{Now: now, PolicyVersion: 1}
	return req, consent.Evaluate(map[consent.Scope]consent.Record{
		consent.Browsing:  {Scope: consent.Browsing, State: consent.Granted, Time: now.Add(-time.Hour), PolicyVersion: 1},
		consent.Purchases: {Scope: consent.Purchases, State: consent.Granted, Time: now.Add(-time.Hour), PolicyVersion: 1},
	}, req)
}

// Collect drops an interaction older than its set's retention, whoever
// sends it (the API, the importer); Replay, for a research dataset with
// the times it was recorded at, keeps it. Each set has its own retention.
func TestCollectDropsWhatIsPastRetention(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	req, full := browsingAndPurchases(now)
	day := 24 * time.Hour
	evs := func() []features.Event {
		return []features.Event{
			{CustomerID: "c", Type: features.View, ItemID: "i1", Time: now.Add(-89 * day)},
			{CustomerID: "c", Type: features.View, ItemID: "i1", Time: now.Add(-91 * day)},
			{CustomerID: "c", Type: features.Purchase, ItemID: "i1", Time: now.Add(-91 * day)},
			{CustomerID: "c", Type: features.Purchase, ItemID: "i1", Time: now.Add(-731 * day)},
			{CustomerID: "c", Type: features.View, ItemID: "i1", Time: time.Unix(0, 0)},
		}
	}
	for _, tc := range []struct {
		name    string
		collect func(*features.Service, []features.Event) ([]features.Outcome, error)
		want    []string // each event's drop reason, "" stored
	}{
		{"collect", func(s *features.Service, e []features.Event) ([]features.Outcome, error) {
			return s.Collect(context.Background(), e, false)
		},
			[]string{"", features.ReasonRetention, "", features.ReasonRetention, features.ReasonRetention}},
		{"replay", func(s *features.Service, e []features.Event) ([]features.Outcome, error) {
			return s.Replay(context.Background(), e)
		},
			[]string{"", "", "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := features.NewMemory(func(string) consent.Decision { return full })
			svc := features.NewService(mem, func() features.Catalog { return lookupFunc(lookup) }, func(bool) consent.Request { return req }, features.DefaultRetention())
			out, err := tc.collect(svc, evs())
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				got := ""
				if o.Status == features.Dropped {
					got = o.Reason
				}
				if got != tc.want[i] || o.Status == features.Invalid {
					t.Errorf("event %d: %+v, want dropped for %q (\"\": stored)", i, o, tc.want[i])
				}
			}
		})
	}
}

// A replayed history keeps its old items, and the next live event to a set
// drops that set's items past its retention; a set not written keeps its
// own until its key expires.
func TestReplayedHistoryAgesOnTheNextLiveEvent(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	req, full := browsingAndPurchases(now)
	mem := features.NewMemory(func(string) consent.Decision { return full })
	catalog := lookupFunc(func(id string) (bool, bool) { return id == "i1" || id == "i2" || id == "i3", false })
	svc := features.NewService(mem, func() features.Catalog { return catalog }, func(bool) consent.Request { return req }, features.DefaultRetention())
	day := 24 * time.Hour
	items := func(set consent.Scope) []string {
		var ids []string
		for _, x := range mem.State("c", full).Interactions[set] {
			ids = append(ids, x.Item)
		}
		return ids
	}
	send := func(do func(context.Context, []features.Event) ([]features.Outcome, error), evs ...features.Event) {
		t.Helper()
		out, err := do(context.Background(), evs)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Status != features.Stored {
				t.Fatalf("event %d: %+v, want stored", i, o)
			}
		}
	}
	send(svc.Replay,
		features.Event{CustomerID: "c", Type: features.View, ItemID: "i1", Time: now.Add(-200 * day)},
		features.Event{CustomerID: "c", Type: features.View, ItemID: "i2", Time: now.Add(-10 * day)},
		features.Event{CustomerID: "c", Type: features.Purchase, ItemID: "i1", Time: now.Add(-800 * day)})
	if got := items(consent.Browsing); len(got) != 2 {
		t.Fatalf("after the replay browsing holds %v, want i1 and i2", got)
	}
	collect := func(ctx context.Context, evs []features.Event) ([]features.Outcome, error) {
		return svc.Collect(ctx, evs, false)
	}
	send(collect, features.Event{CustomerID: "c", Type: features.View, ItemID: "i3", Time: now})
	if got := items(consent.Browsing); len(got) != 2 || got[0] != "i2" || got[1] != "i3" {
		t.Errorf("after a live view browsing holds %v, want [i2 i3]", got)
	}
	if got := items(consent.Purchases); len(got) != 1 {
		t.Errorf("purchases, not written, hold %v, want the replayed i1", got)
	}
}
