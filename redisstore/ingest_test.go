package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
)

func TestIngestSetsTTLAndHoldsCap(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "big", consent.Browsing, consent.Purchases, consent.Sensitive, consent.Location)
		ret := features.DefaultRetention()
		now := time.Now()
		for batch := 0; batch < 10; batch++ {
			evs := make([]features.Routed, 1000)
			for i := range evs {
				n := batch*1000 + i
				set := []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive}[n%3]
				evs[i] = features.Routed{CustomerID: "big", Set: set, Member: fmt.Sprintf("item-%d", n%2000), Time: now.Add(time.Duration(n) * time.Second)}
			}
			if _, err := st.Ingest(ctx, evs, req(now), ret); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.PutProfile(ctx, "big", consent.Location, map[string]string{"country": "FR"}, req(now), ret); err != nil {
			t.Fatal(err)
		}
		for _, set := range []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive, consent.Location} {
			key := st.keys.featureSet("big", string(set))
			ttl, err := db.Client.TTL(ctx, key).Result()
			if err != nil || ttl <= 0 || ttl > ret.TTLOf(set) {
				t.Errorf("%s: TTL %v (err %v), want (0, %v]", set, ttl, err, ret.TTLOf(set))
			}
			if features.KindOf(set) == features.Profile {
				continue
			}
			if n, _ := db.Client.ZCard(ctx, key).Result(); n != int64(ret.CapOf(set)) {
				t.Errorf("%s holds %d items, want the cap %d", set, n, ret.CapOf(set))
			}
		}
		// the most recent items survive the cap, with counts
		s, _ := st.ReadState(ctx, "big", req(now), features.ReadOptions{})
		last := s.Interactions[consent.Browsing][len(s.Interactions[consent.Browsing])-1]
		if want := now.Add(9999 * time.Second).Truncate(time.Second); last.Item != "item-1999" || !last.Last.Equal(want) || last.Count < 1 {
			t.Errorf("newest browsing item = %+v, want item-1999 at %v", last, want)
		}
	})
}

func TestIngestRepeatsCountAndKeepLatestTime(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "r", consent.Browsing, consent.Onsite)
		later, earlier := t0.Add(2*time.Hour), t0.Add(time.Hour)
		evs := []features.Routed{
			{CustomerID: "r", Set: consent.Browsing, Member: "x", Time: later},
			{CustomerID: "r", Set: consent.Browsing, Member: "x", Time: earlier},         // late arrival
			{CustomerID: "r", Channel: consent.Onsite, Member: "act-1:123", Time: later}, // a contact
		}
		why, err := st.Ingest(ctx, evs, req(t0.Add(3*time.Hour)), features.DefaultRetention())
		if err != nil || why[0] != "" || why[1] != "" || why[2] != "" {
			t.Fatalf("%v %v", why, err)
		}
		s, _ := st.ReadState(ctx, "r", req(t0.Add(3*time.Hour)), features.ReadOptions{})
		got := s.Interactions[consent.Browsing]
		if len(got) != 1 || got[0].Count != 2 || !got[0].Last.Equal(later) {
			t.Errorf("x = %+v, want count 2 at %v", got, later)
		}
		if len(s.Contacts) != 1 || s.Contacts[0].Member != "act-1:123" {
			t.Errorf("contacts = %+v", s.Contacts)
		}
	})
}

func TestPackScoreRoundTrip(t *testing.T) {
	for _, c := range []int{0, 1, 77, features.MaxCount} {
		for _, r := range []float64{0, 0.5, 3.5, 5} {
			tm := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
			gotT, gotC, gotR := features.UnpackScore(features.PackScore(tm, c, r))
			if !gotT.Equal(tm) || gotC != c || gotR != r {
				t.Errorf("round trip (%v, %d, %g) = (%v, %d, %g)", tm, c, r, gotT, gotC, gotR)
			}
		}
	}
	// a score written before ratings were kept reads as unrated
	old := float64(t0.Unix())*(1<<20) + 300
	if _, c, r := features.UnpackScore(old); c != 300 || r != 0 {
		t.Errorf("old score reads count %d rating %g, want 300 and 0", c, r)
	}
}

// A contact (an impression, click or dismissal of an action) is stored
// only if its channel is granted now: never for a customer without a
// consent record (after an erasure, say), never for a channel denied.
func TestContactsPassTheCollectionGate(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		now := time.Now()
		grantOnly(t, db, st, "on", consent.Browsing) // no channel granted
		contact := func(cust string, ch consent.Scope) features.Routed {
			return features.Routed{CustomerID: cust, Channel: ch, Member: features.ContactMember("promo", features.Impression, ch, now),
				Action: "promo", Event: features.Impression, Time: now}
		}
		tests := []struct {
			ev   features.Routed
			want string
		}{
			{contact("nobody", consent.Onsite), consent.ReasonNoRecord},
			{contact("on", consent.Email), consent.ReasonNoRecord},
		}
		for _, tt := range tests {
			why, err := st.Ingest(ctx, []features.Routed{tt.ev}, req(now), features.DefaultRetention())
			if err != nil || why[0] != tt.want {
				t.Errorf("%s on %s: %q, %v; want %q", tt.ev.CustomerID, tt.ev.Channel, why, err, tt.want)
			}
		}
		if keys := db.Keys(t); slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, "contacts") }) {
			t.Errorf("contacts stored without consent: %v", keys)
		}
		if got, _ := st.ActionResponses(ctx); len(got) != 0 {
			t.Errorf("responses counted for contacts not stored: %+v", got)
		}
	})
}

// An event sent again with its event ID, in the same batch or a later
// one, is a no-op; without an ID a repeat counts.
func TestEventIDMakesIngestIdempotent(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "e", consent.Browsing, consent.Onsite)
		view := func(id string, at time.Time) features.Routed {
			return features.Routed{CustomerID: "e", Set: consent.Browsing, EventID: id, Member: "i1", Time: at}
		}
		click := func(id string, at time.Time) features.Routed {
			return features.Routed{CustomerID: "e", Channel: consent.Onsite, EventID: id, Member: features.ContactMember("promo", features.Click, consent.Onsite, at),
				Action: "promo", Event: features.Click, Time: at}
		}
		batches := [][]features.Routed{
			{view("v1", t0), view("v1", t0), click("c1", t0)},
			{view("v1", t0.Add(time.Minute)), click("c1", t0.Add(time.Minute))}, // a retry, stamped later
			{view("v2", t0), view("", t0), view("", t0)},
		}
		for i, b := range batches {
			why, err := st.Ingest(ctx, b, req(t0), features.DefaultRetention())
			if err != nil || slices.ContainsFunc(why, func(w string) bool { return w != "" && w != features.StoredBefore }) {
				t.Fatalf("batch %d: %q, %v", i, why, err)
			}
		}
		s, _ := st.ReadState(ctx, "e", req(t0), features.ReadOptions{})
		if got := s.Interactions[consent.Browsing]; len(got) != 1 || got[0].Count != 4 || !got[0].Last.Equal(t0) {
			t.Errorf("browsing = %+v, want i1 counted 4 times (v1, v2 and two without ID), last at %v", got, t0)
		}
		if len(s.Contacts) != 1 {
			t.Errorf("contacts = %+v, want the click once", s.Contacts)
		}
		if got, _ := st.ActionResponses(ctx); got["promo"].Clicks != 1 {
			t.Errorf("responses = %+v, want one click", got)
		}
		ttl, _ := db.Client.TTL(ctx, st.keys.eventIDs("e", "browsing")).Result()
		if max := features.DefaultRetention().TTLOf(consent.Browsing); ttl <= 0 || ttl > max {
			t.Errorf("event IDs expire in %v, want within the set's retention %v", ttl, max)
		}
	})
}

// The attack of issue 20: with Redis paused, one view was sent; the API
// answered 503 after 2.7 s, and when Redis resumed the event had been
// counted 4 times, because the client retried the ingest script. Now the
// script is sent once, and since it reaches Redis after its deadline it
// writes nothing: the 503 meant "not stored", and the retry it invites
// stores the event once.
func TestPausedRedisStoresNothingLate(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		direct := New(db.Client, db.Namespace)
		grantOnly(t, db, direct, "p", consent.Browsing)
		proxy := redistest.NewProxy(t, db.Addr())
		st, err := Open(Options{URL: proxy.URL(), ReadTimeout: 200 * time.Millisecond}, db.Namespace)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.LoadScripts(ctx); err != nil {
			t.Fatal(err)
		}
		warm(t, st, 4) // idle connections a blind retry would use
		now := time.Now()
		ev := []features.Routed{{CustomerID: "p", Set: consent.Browsing, Member: "i1", Time: now}}
		proxy.Pause()
		if _, err := st.Ingest(ctx, ev, req(now), features.DefaultRetention()); candor.ErrorCode(err) != candor.EUnavailable {
			t.Fatalf("ingest into a paused Redis: %v, want unavailable", err)
		}
		if n := proxy.Count("EVALSHA"); n != 1 {
			t.Errorf("the ingest script was sent %d times, want once; sent %d PINGs, %d HELLOs, %d TIMEs", n, proxy.Count("PING"), proxy.Count("HELLO"), proxy.Count("TIME"))
		}
		proxy.Resume()
		proxy.WaitDelivered(t)
		count := func() int {
			s, _ := direct.ReadState(ctx, "p", req(now), features.ReadOptions{})
			if xs := s.Interactions[consent.Browsing]; len(xs) == 1 {
				return xs[0].Count
			}
			return 0
		}
		if n := count(); n != 0 {
			t.Fatalf("after the 503 and Redis resuming, the event was counted %d times, want 0", n)
		}
		if _, err := st.Ingest(ctx, ev, req(now), features.DefaultRetention()); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Errorf("after the retry: counted %d times, want once", n)
		}
	})
}

// warm opens connections for n concurrent pipelines.
func warm(t *testing.T, st *Store, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := st.rdb.Pipelined(context.Background(), func(p redis.Pipeliner) error {
				p.Ping(context.Background())
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestIngestMatchesMemory holds the in-memory store that offline
// evaluation loads data through to the Lua ingestion: the same events,
// in the same batches, give the same states (order, counts, times,
// ratings, the cap, the gate).
func TestIngestMatchesMemory(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "a", consent.Browsing, consent.Purchases, consent.Onsite)
		grantOnly(t, db, st, "b", consent.Purchases)
		mem := features.NewMemory(func(id string) consent.Decision {
			s, _ := st.ReadState(ctx, id, req(t0), features.ReadOptions{})
			return s.Decision
		})
		ret := features.Retention{Cap: 40, Caps: map[consent.Scope]int{consent.Purchases: 25}}
		rng := rand.New(rand.NewPCG(3, 3))
		for batch := 0; batch < 6; batch++ {
			evs := make([]features.Routed, 200)
			for i := range evs {
				evs[i] = features.Routed{CustomerID: []string{"a", "b"}[rng.IntN(2)],
					Set: []consent.Scope{consent.Browsing, consent.Purchases}[rng.IntN(2)], Member: fmt.Sprintf("i%d", rng.IntN(90)),
					Time: t0.Add(time.Duration(rng.IntN(20)) * time.Minute)}
				if rng.IntN(3) == 0 {
					evs[i].Rating = float64(1+rng.IntN(10)) / 2
				}
				if rng.IntN(4) == 0 { // event IDs, some repeated within and across batches
					evs[i].EventID = fmt.Sprintf("e%d", rng.IntN(300))
				}
				if rng.IntN(10) == 0 { // a contact, whose channel a grants and b does not
					evs[i].Set, evs[i].Channel, evs[i].Action, evs[i].Event = "", consent.Onsite, "promo", features.Impression
					evs[i].Member = features.ContactMember("promo", features.Impression, consent.Onsite, evs[i].Time)
				}
			}
			got, err := st.Ingest(ctx, evs, req(t0), ret)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.Ingest(ctx, evs, req(t0), ret)
			if !slices.Equal(got, want) {
				t.Fatalf("batch %d: reasons differ:\nredis  %v\nmemory %v", batch, got, want)
			}
		}
		for _, id := range []string{"a", "b"} {
			s, _ := st.ReadState(ctx, id, req(t0), features.ReadOptions{})
			m := mem.State(id, s.Decision)
			for _, set := range []consent.Scope{consent.Browsing, consent.Purchases} {
				if !slices.Equal(s.Interactions[set], m.Interactions[set]) {
					t.Errorf("%s %s:\nredis  %v\nmemory %v", id, set, s.Interactions[set], m.Interactions[set])
				}
			}
		}
		if n := len(mem.State("a", consent.Decision{}).Interactions[consent.Purchases]); n != 0 {
			t.Errorf("a state without grants holds %d purchases", n)
		}
	})
}

func TestIngestCountsActionResponses(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		now := time.Now()
		grantOnly(t, db, st, "a", consent.Email)
		grantOnly(t, db, st, "b", consent.Email)
		contact := func(cust, action string, ev features.EventType) features.Routed {
			return features.Routed{CustomerID: cust, Channel: consent.Email, Member: features.ContactMember(action, ev, consent.Email, now), Action: action, Event: ev, Time: now}
		}
		evs := []features.Routed{contact("a", "promo:x", features.Impression), contact("b", "promo:x", features.Impression),
			contact("a", "promo:x", features.Click), contact("a", "promo:x", features.Dismiss), contact("b", "other", features.Impression)}
		for range 2 {
			why, err := st.Ingest(ctx, evs, req(now), features.DefaultRetention())
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range why {
				if w != "" && w != features.StoredBefore {
					t.Errorf("event %d not stored: %q", i, w)
				}
			}
		}
		got, err := st.ActionResponses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// the second, retried batch stores nothing new and counts nothing
		if len(got) != 2 || got["promo:x"].Impressions != 2 || got["promo:x"].Clicks != 1 || got["other"].Impressions != 1 || got["other"].Clicks != 0 {
			t.Errorf("responses = %+v", got)
		}
	})
}

// TestIngestDropsItemsPastRetention: a write to an interaction set drops
// its items last seen more than the set's retention before the write, and
// keeps the packed copy equal to what is left; a replay (KeepPast) keeps
// them; a set not written keeps its items until its key expires. The
// in-memory store does the same.
func TestIngestDropsItemsPastRetention(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		const id = "aging"
		grantOnly(t, db, st, id, consent.Browsing, consent.Purchases)
		mem := features.NewMemory(func(string) consent.Decision {
			s, _ := st.ReadState(ctx, id, req(t0), features.ReadOptions{})
			return s.Decision
		})
		day := 24 * time.Hour
		ingest := func(ret features.Retention, evs ...features.Routed) {
			t.Helper()
			got, err := st.Ingest(ctx, evs, req(t0), ret)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.Ingest(ctx, evs, req(t0), ret)
			if !slices.Equal(got, want) {
				t.Fatalf("reasons: redis %v, memory %v", got, want)
			}
		}
		at := func(set consent.Scope, item string, age time.Duration) features.Routed {
			return features.Routed{CustomerID: id, Set: set, Member: item, Time: t0.Add(-age)}
		}
		ret := features.DefaultRetention() // browsing 90 days, purchases 730
		replay := ret
		replay.KeepPast = true
		// a replay of old history: 20 items, half of them past browsing's 90 days
		var old []features.Routed
		for i := range 20 {
			old = append(old, at(consent.Browsing, fmt.Sprintf("b%02d", i), time.Duration(80+2*i)*day))
		}
		old = append(old, at(consent.Purchases, "p-old", 400*day))
		ingest(replay, old...)
		assertItems(t, st, mem, id, consent.Browsing, 20)
		// one live view: every browsing item past 90 days goes (b05 is 90
		// days old to the second and stays); purchases, not written, keep theirs
		ingest(ret, at(consent.Browsing, "b-new", time.Hour))
		items := assertItems(t, st, mem, id, consent.Browsing, 7)
		if items[0] != "b05" || items[len(items)-1] != "b-new" {
			t.Errorf("browsing after a live view holds %v, want b05 (90 days old) to b-new", items)
		}
		assertItems(t, st, mem, id, consent.Purchases, 1)
		assertPackedMatches(t, db, st, id, consent.Browsing, 0)
		// the cutoff and the cap together: over a cap of 3, the newest 3 stay
		ret.Cap = 3
		ingest(ret, at(consent.Browsing, "b-newer", time.Minute))
		if items := assertItems(t, st, mem, id, consent.Browsing, 3); !slices.Equal(items, []string{"b00", "b-new", "b-newer"}) {
			t.Errorf("browsing over a cap of 3 holds %v", items)
		}
		assertPackedMatches(t, db, st, id, consent.Browsing, 1)
	})
}

// assertItems checks that set holds n items in the gated read of Redis
// and of mem, the same in both, and returns them oldest first.
func assertItems(t *testing.T, st *Store, mem *features.Memory, id string, set consent.Scope, n int) []string {
	t.Helper()
	s, err := st.ReadState(context.Background(), id, req(t0), features.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Interactions[set]
	if m := mem.State(id, s.Decision).Interactions[set]; !slices.Equal(got, m) {
		t.Fatalf("%s: redis %v, memory %v", set, got, m)
	}
	if len(got) != n {
		t.Fatalf("%s holds %d items, want %d: %v", set, len(got), n, got)
	}
	items := make([]string, len(got))
	for i, x := range got {
		items[i] = x.Item
	}
	return items
}
