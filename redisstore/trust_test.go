package redisstore

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/trust"
)

// Totals add up across writers (replicas), name no one, and expire
// trust.Keep after their hour.
func TestTrustTotalsAddUpAndExpire(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	st := New(db.Client, db.Namespace)
	hour := time.Now().UTC().Truncate(time.Hour)
	for range 2 {
		if err := st.AddTrust(ctx, hour, map[string]int64{"rec:full": 3, "withdrawal:shown": 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Trust(ctx, []time.Time{hour.Add(-time.Hour), hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 0 || got[1]["rec:full"] != 6 || got[1]["withdrawal:shown"] != 2 {
		t.Errorf("totals = %v", got)
	}
	ttl := db.Client.PTTL(ctx, st.keys.trust(hour.Unix())).Val()
	if want := time.Until(hour.Add(trust.Keep)); ttl <= 0 || ttl > want+time.Second || ttl < want-time.Minute {
		t.Errorf("TTL %v, want about %v", ttl, want)
	}
}

// levels returns the store's count of customers per consent level.
func levels(t *testing.T, st *Store) map[string]int64 {
	t.Helper()
	got, err := st.CustomerLevels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for l, n := range got {
		if n == 0 {
			delete(got, l)
		}
	}
	return got
}

// The count of customers per consent level moves as consent is written
// and erased, once per customer: writing the same choice again, or a
// change that leaves the level as it was, counts nothing.
func TestCustomerLevelsFollowConsent(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		put := func(id string, ch consent.Change) {
			t.Helper()
			if _, err := svc.Put(ctx, id, ch, "", false); err != nil {
				t.Fatal(err)
			}
		}
		scopes := func(kv ...string) consent.Change {
			ch := consent.Change{Scopes: map[consent.Scope]consent.State{}}
			for i := 0; i+1 < len(kv); i += 2 {
				ch.Scopes[consent.Scope(kv[i])] = consent.State(kv[i+1])
			}
			return ch
		}
		steps := []struct {
			do   func()
			want map[string]int64
		}{
			{func() { put("c1", consent.Change{Preset: consent.PresetFull}) }, map[string]int64{"full": 1}},
			{func() { put("c1", consent.Change{Preset: consent.PresetFull}) }, map[string]int64{"full": 1}},   // the same again
			{func() { put("c1", scopes("email", "denied")) }, map[string]int64{"full": 1}},                    // written, same level
			{func() { put("c2", scopes("purchases", "granted")) }, map[string]int64{"full": 1, "partial": 1}}, // a first record
			{func() { put("c3", consent.Change{Preset: consent.PresetNone}) }, map[string]int64{"full": 1, "partial": 1, "none": 1}},
			{func() { put("c1", scopes("browsing", "denied")) }, map[string]int64{"partial": 2, "none": 1}},        // full → partial
			{func() { _, _ = st.Erase(ctx, "c2", time.Now()) }, map[string]int64{"partial": 1, "none": 1}},         // erasure
			{func() { _, _ = st.Erase(ctx, "c2", time.Now()) }, map[string]int64{"partial": 1, "none": 1}},         // again: nothing
			{func() { _, _ = st.Erase(ctx, "never-seen", time.Now()) }, map[string]int64{"partial": 1, "none": 1}}, // no record: nothing
		}
		for i, s := range steps {
			s.do()
			if got := levels(t, st); !maps.Equal(got, s.want) {
				t.Fatalf("step %d: levels %v, want %v", i, got, s.want)
			}
		}
		// A store-level retry of a write with the level already kept (the
		// script sees it) does not count twice.
		recs, head, seq, err := st.Records(ctx, "c3")
		if err != nil {
			t.Fatal(err)
		}
		e := consent.Chain(head, seq+1, []consent.Record{{Scope: consent.Email, State: consent.Denied, Time: time.Now(), PolicyVersion: 1, Source: consent.SourceAPI}})
		if ok, _, err := st.Append(ctx, "c3", head, e, nil, consent.RecordedLevel(recs)); !ok || err != nil {
			t.Fatalf("append: %v %v", ok, err)
		}
		if got := levels(t, st); got["none"] != 1 || st.CountsFailed() != 0 {
			t.Errorf("levels %v after a write at the same level (%d moves lost)", got, st.CountsFailed())
		}
	})
}

// shownRecord is a personalized decision record of customer made at t.
func shownRecord(t *testing.T, id, customer string, at time.Time, personalized bool) recommend.DecisionRecord {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"decision_id": id, "customer_id": customer})
	r, err := recommend.JSONRecord(id, customer, "", at, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Personalized = personalized
	return r
}

// The count of customers shown a personalized answer counts each customer
// once, in the hour of their latest such answer: later answers move them
// forward, an earlier one (a queue's straggler) does not move them back;
// answers that were not personalized, and customers with no consent log
// (never recorded, or erased), count nothing; erasure takes them out.
func TestCustomersShownFollowDecisions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		for _, id := range []string{"s1", "s2", "s3"} {
			if _, err := svc.Put(ctx, id, consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		hour := func(d time.Duration) time.Time { return now.Add(d).UTC().Truncate(time.Hour) }
		ret := recommend.Retention{Keep: 24 * time.Hour}
		for _, batch := range [][]recommend.DecisionRecord{
			{shownRecord(t, "a", "s1", now.Add(-3*time.Hour), true), shownRecord(t, "b", "s1", now, true)},
			{shownRecord(t, "c", "s1", now.Add(-5*time.Hour), true)}, // earlier: stays at now
			{shownRecord(t, "d", "s2", now.Add(-2*time.Hour), true)},
			{shownRecord(t, "e", "s3", now, false), shownRecord(t, "f", "", now, false)}, // not personalized, anonymous
			{shownRecord(t, "g", "s9", now, true)},                                       // no consent log
		} {
			if err := st.AppendDecisions(ctx, batch, ret); err != nil {
				t.Fatal(err)
			}
		}
		field := func() map[time.Time]int64 {
			hours := []time.Time{hour(-5 * time.Hour), hour(-3 * time.Hour), hour(-2 * time.Hour), hour(0)}
			n, err := st.TrustField(ctx, hours, trust.CustomersShown)
			if err != nil {
				t.Fatal(err)
			}
			out := map[time.Time]int64{}
			for i, h := range hours {
				out[h] += n[i]
			}
			return out
		}
		got := field()
		if got[hour(0)] != 1 || got[hour(-2*time.Hour)] != 1 || got[hour(-3*time.Hour)] != 0 || got[hour(-5*time.Hour)] != 0 {
			t.Errorf("customers per latest personalized hour: %v", got)
		}
		if n := db.Client.Exists(ctx, st.keys.consent("s9")).Val(); n != 0 {
			t.Error("a decision made a consent hash for a customer who has none")
		}
		c := trust.NewCounter(st, func() time.Time { return now })
		if cs, err := c.Customers(ctx); err != nil || cs.Shown != 2 || cs.Levels["full"] != 3 {
			t.Errorf("customers = %+v, %v; want 2 shown, 3 at full", cs, err)
		}
		if _, err := st.Erase(ctx, "s1", now); err != nil {
			t.Fatal(err)
		}
		if cs, err := c.Customers(ctx); err != nil || cs.Shown != 1 || cs.Levels["full"] != 2 || st.CountsFailed() != 0 {
			t.Errorf("after erasing s1: %+v, %v; want 1 shown, 2 at full", cs, err)
		}
	})
}

// Recounting rebuilds the count per level from the stored records, after
// it drifted (here: a customer's kept level lost, and the counts reset).
func TestRecountLevels(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		for id, p := range map[string]string{"r1": consent.PresetFull, "r2": consent.PresetFull, "r3": consent.PresetBasic, "r4": consent.PresetNone} {
			if _, err := svc.Put(ctx, id, consent.Change{Preset: p}, "", false); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]int64{"full": 2, "partial": 1, "none": 1}
		if got := levels(t, st); !maps.Equal(got, want) {
			t.Fatalf("levels %v, want %v", got, want)
		}
		db.Client.HDel(ctx, st.keys.consent("r2"), fieldLevel)
		db.Client.Del(ctx, st.keys.customerLevels())
		got, err := st.RecountLevels(ctx)
		if err != nil || got.Fixed != 1 || !maps.Equal(levels(t, st), want) || got.Levels["full"] != 2 {
			t.Errorf("recount: %+v, %v; levels %v, want %v", got, err, levels(t, st), want)
		}
		// a change after the recount moves the rebuilt counts
		if _, err := svc.Put(ctx, "r2", consent.Change{Preset: consent.PresetNone}, "", false); err != nil {
			t.Fatal(err)
		}
		if got := levels(t, st); !maps.Equal(got, map[string]int64{"full": 1, "partial": 1, "none": 2}) {
			t.Errorf("after a change: %v", got)
		}
	})
}
