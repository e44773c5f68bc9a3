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
		const id = "aging"
		a := newAgeing(t, db, id)
		ret := features.DefaultRetention() // browsing 90 days, purchases 730, sensitive 30
		replay := ret
		replay.KeepPast = true
		// a replay of old history: 20 items, half of them past browsing's 90 days
		var old []features.Routed
		for i := range 20 {
			old = append(old, a.at(consent.Browsing, fmt.Sprintf("b%02d", i), time.Duration(80+2*i)*day))
		}
		old = append(old, a.at(consent.Purchases, "p-old", 800*day))
		a.ingest(replay, old...)
		a.check(0)
		if got := a.items(consent.Browsing); len(got) != 20 {
			t.Fatalf("a replay kept %d of 20 browsing items", len(got))
		}
		// one live view: every browsing item past 90 days goes (b05 is 90
		// days old to the second and stays); purchases, not written, keep
		// theirs, even past retention, until their key expires
		a.ingest(ret, a.at(consent.Browsing, "b-new", time.Hour))
		a.check(1)
		if got := a.items(consent.Browsing); !slices.Equal(got, []string{"b05", "b04", "b03", "b02", "b01", "b00", "b-new"}) {
			t.Errorf("browsing after a live view holds %v, want b05-b00 (90-80 days old) and b-new", got)
		}
		if got := a.items(consent.Purchases); !slices.Equal(got, []string{"p-old"}) {
			t.Errorf("purchases, not written, hold %v, want the replayed p-old", got)
		}
		// the cutoff and the cap at one write: b00-b05 are past it 11 days
		// later, and of the rest a cap of 2 keeps the newest two
		ret.Cap = 2
		later := req(t0.Add(11 * day))
		a.ingestAt(later, ret, a.at(consent.Browsing, "b-newer", -11*day), a.at(consent.Browsing, "b-newest", -11*day-time.Minute))
		a.checkAt(later, 2)
		if got := a.itemsAt(later, consent.Browsing); !slices.Equal(got, []string{"b-newer", "b-newest"}) {
			t.Errorf("browsing past the cutoff and over a cap of 2 holds %v", got)
		}
	})
}

// TestIngestCutsEachSetAtItsOwnRetention: three sets written at once, each
// cut at its own retention and capped at its own cap.
func TestIngestCutsEachSetAtItsOwnRetention(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		const id = "own-cutoffs"
		a := newAgeing(t, db, id)
		ret := features.DefaultRetention() // browsing 90 days, purchases 730, sensitive 30
		ret.Caps = map[consent.Scope]int{consent.Browsing: 3, consent.Purchases: 4, consent.Sensitive: 2}
		replay := ret
		replay.KeepPast = true
		a.ingest(replay, a.at(consent.Browsing, "b100", 100*day), a.at(consent.Browsing, "b10", 10*day),
			a.at(consent.Purchases, "p400", 400*day), a.at(consent.Purchases, "p800", 800*day),
			a.at(consent.Sensitive, "s40", 40*day), a.at(consent.Sensitive, "s5", 5*day))
		a.check(0)
		a.ingest(ret, a.at(consent.Browsing, "bn", time.Hour), a.at(consent.Purchases, "pn", time.Hour), a.at(consent.Sensitive, "sn", time.Hour))
		a.check(1)
		for set, want := range map[consent.Scope][]string{
			consent.Browsing: {"b10", "bn"}, consent.Purchases: {"p400", "pn"}, consent.Sensitive: {"s5", "sn"},
		} {
			if got := a.items(set); !slices.Equal(got, want) {
				t.Errorf("%s holds %v, want %v", set, got, want)
			}
		}
	})
}

// TestIngestPastRetentionKeepsThePackedCopy: the copy stays equal to its
// set when more items go than the script updates in place, when an item
// is rescored and goes at the same write, and when the set ends empty; an
// event already past retention sent straight to the store is refused as
// older_than_retention, as Collect refuses it.
func TestIngestPastRetentionKeepsThePackedCopy(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		const id = "ageing-copy"
		a := newAgeing(t, db, id)
		ret := features.DefaultRetention()
		replay := ret
		replay.KeepPast = true
		var old []features.Routed
		for i := range 100 {
			old = append(old, a.at(consent.Browsing, fmt.Sprintf("o%03d", i), time.Duration(100+i)*day))
		}
		a.ingest(replay, append(old, a.at(consent.Browsing, "keep", day))...)
		a.check(0)
		a.ingest(ret, a.at(consent.Browsing, "new", time.Hour)) // 100 go: the copy is written anew
		a.check(1)
		if got := a.items(consent.Browsing); !slices.Equal(got, []string{"keep", "new"}) {
			t.Errorf("after 100 went, browsing holds %v", got)
		}
		a.ingest(replay, a.at(consent.Browsing, "y", 95*day))
		a.ingest(ret, a.at(consent.Browsing, "new", time.Minute), a.at(consent.Browsing, "y", 91*day)) // y is past retention still
		a.check(2)
		// a set whose every item goes
		a.ingest(replay, a.at(consent.Sensitive, "s", 40*day))
		if got := a.ingest(ret, a.at(consent.Sensitive, "s2", 31*day)); got[0] != features.ReasonRetention {
			t.Errorf("an event past retention sent to the store: %q, want %q", got[0], features.ReasonRetention)
		}
		a.ingest(ret, a.at(consent.Browsing, "b", time.Hour)) // sensitive is not written: s stays
		if got := a.items(consent.Sensitive); !slices.Equal(got, []string{"s"}) {
			t.Errorf("sensitive, not written, holds %v", got)
		}
		a.check(3)
	})
}

// TestIngestMatchesMemoryAcrossRetention: random replays and live writes
// with times on both sides of every set's cutoff give the same reasons
// and sets in Redis and in memory, the packed copies equal to their sets.
func TestIngestMatchesMemoryAcrossRetention(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		const id = "ageing-random"
		a := newAgeing(t, db, id)
		rng := rand.New(rand.NewPCG(5, 8))
		ret := features.DefaultRetention()
		ret.Cap = 30
		for step := range 200 {
			r := ret
			r.KeepPast = rng.IntN(4) == 0
			n := 1 + rng.IntN(5)
			if rng.IntN(8) == 0 {
				n = 90
			}
			evs := make([]features.Routed, n)
			for i := range evs {
				evs[i] = a.at(ageingSets[rng.IntN(3)], fmt.Sprintf("i%d", rng.IntN(80)), time.Duration(rng.IntN(800*24))*time.Hour)
				if rng.IntN(3) == 0 {
					evs[i].Rating = float64(1+rng.IntN(10)) / 2
				}
			}
			a.ingest(r, evs...)
			a.check(step)
		}
	})
}

const day = 24 * time.Hour

var ageingSets = []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive}

// ageing writes one customer's events to Redis and to memory alike, and
// compares the two.
type ageing struct {
	t   *testing.T
	db  *redistest.DB
	st  *Store
	mem *features.Memory
	id  string
}

func newAgeing(t *testing.T, db *redistest.DB, id string) *ageing {
	st := New(db.Client, db.Namespace)
	grantOnly(t, db, st, id, ageingSets...)
	mem := features.NewMemory(func(string) consent.Decision {
		s, _ := st.ReadState(context.Background(), id, req(t0), features.ReadOptions{})
		return s.Decision
	})
	return &ageing{t: t, db: db, st: st, mem: mem, id: id}
}

// at is an event of set, age before t0.
func (a *ageing) at(set consent.Scope, item string, age time.Duration) features.Routed {
	return features.Routed{CustomerID: a.id, Set: set, Member: item, Time: t0.Add(-age)}
}

func (a *ageing) ingest(ret features.Retention, evs ...features.Routed) []string {
	a.t.Helper()
	return a.ingestAt(req(t0), ret, evs...)
}

// ingestAt writes evs at r.Now to both stores and checks they give the
// same reasons.
func (a *ageing) ingestAt(r consent.Request, ret features.Retention, evs ...features.Routed) []string {
	a.t.Helper()
	ctx := context.Background()
	got, err := a.st.Ingest(ctx, evs, r, ret)
	if err != nil {
		a.t.Fatal(err)
	}
	want, _ := a.mem.Ingest(ctx, evs, r, ret)
	if !slices.Equal(got, want) {
		a.t.Fatalf("reasons: redis %v, memory %v", got, want)
	}
	return got
}

func (a *ageing) check(step int) { a.t.Helper(); a.checkAt(req(t0), step) }

// checkAt checks that every set reads the same from Redis and memory, and
// that its packed copy equals it.
func (a *ageing) checkAt(r consent.Request, step int) {
	a.t.Helper()
	s, err := a.st.ReadState(context.Background(), a.id, r, features.ReadOptions{})
	if err != nil {
		a.t.Fatal(err)
	}
	for _, set := range ageingSets {
		if m := a.mem.State(a.id, s.Decision).Interactions[set]; !slices.Equal(s.Interactions[set], m) {
			a.t.Fatalf("step %d %s: redis %v, memory %v", step, set, s.Interactions[set], m)
		}
		assertPackedMatches(a.t, a.db, a.st, a.id, set, step)
	}
}

func (a *ageing) items(set consent.Scope) []string { a.t.Helper(); return a.itemsAt(req(t0), set) }

// itemsAt returns set's items in the gated read at r.Now, oldest first.
func (a *ageing) itemsAt(r consent.Request, set consent.Scope) []string {
	a.t.Helper()
	s, err := a.st.ReadState(context.Background(), a.id, r, features.ReadOptions{})
	if err != nil {
		a.t.Fatal(err)
	}
	var items []string
	for _, x := range s.Interactions[set] {
		items = append(items, x.Item)
	}
	return items
}

// TestContactsAgeOut: a customer shown an action every 30 days for two
// years keeps the contacts of the last year (how far back a cap counts),
// written through the events and through a delivery alike; a contact
// already older than that is refused as older_than_retention.
func TestContactsAgeOut(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "ct", consent.Onsite)
		contact := func(at time.Time) features.Routed {
			return features.Routed{CustomerID: "ct", Channel: consent.Onsite, Action: "promo", Event: features.Impression, Time: at,
				Member: features.ContactMember("promo", features.Impression, consent.Onsite, at)}
		}
		for d := 720; d >= 0; d -= 30 {
			at := t0.Add(-time.Duration(d) * day)
			if got, err := st.Ingest(ctx, []features.Routed{contact(at)}, req(at), features.DefaultRetention()); err != nil || got[0] != "" {
				t.Fatalf("contact %d days ago: %v, %v", d, got, err)
			}
		}
		s, err := st.ReadState(ctx, "ct", req(t0), features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Contacts) != 13 || t0.Sub(s.Contacts[0].Time) != 360*day {
			t.Errorf("kept %d contacts, the oldest %v old; want 13, the oldest 360 days old", len(s.Contacts), t0.Sub(s.Contacts[0].Time))
		}
		got, err := st.Ingest(ctx, []features.Routed{contact(t0.Add(-400 * day))}, req(t0), features.DefaultRetention())
		if err != nil || got[0] != features.ReasonRetention {
			t.Errorf("a contact 400 days old: %v, %v; want %s", got, err, features.ReasonRetention)
		}
		// a delivery 30 days later: the contact of 360 days ago goes
		later := t0.Add(30 * day)
		deliver := func(consent.Decision, []features.Contact) (string, string) {
			return features.ContactMember("promo", features.Impression, consent.Onsite, later), ""
		}
		if why, err := st.Deliver(ctx, "ct", "promo", later, req(later), deliver); err != nil || why != "" {
			t.Fatalf("deliver: %q, %v", why, err)
		}
		if s, err = st.ReadState(ctx, "ct", req(later), features.ReadOptions{}); err != nil {
			t.Fatal(err)
		}
		if len(s.Contacts) != 13 || later.Sub(s.Contacts[0].Time) != 360*day {
			t.Errorf("after a delivery kept %d contacts, the oldest %v old; want 13, the oldest 360 days old", len(s.Contacts), later.Sub(s.Contacts[0].Time))
		}
	})
}
