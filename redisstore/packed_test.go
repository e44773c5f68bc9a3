package redisstore

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
)

// TestPackedCopyMirrorsTheSet drives one customer's interaction sets
// through random ingests (repeats, out-of-order times, ratings, batches
// small enough to update the packed copy in place and large enough to
// write it anew, trims at a small cap) and removals from history, and
// after every step holds each packed copy to its set exactly, and the
// gated read through the copies to the read of the sets themselves, for
// full and bounded reads.
func TestPackedCopyMirrorsTheSet(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		const id = "pk1"
		sets := []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive}
		grantOnly(t, db, st, id, sets...)
		ret := features.Retention{Cap: 25, Caps: map[consent.Scope]int{consent.Purchases: 40}, TTL: features.DefaultRetention().TTL}
		rng := rand.New(rand.NewPCG(7, 9))
		for step := range 150 {
			if rng.IntN(12) == 0 {
				item := fmt.Sprintf("it-%d", rng.IntN(60))
				if err := st.AddFeedback(ctx, id, features.Feedback{Kind: features.RemoveFromHistory, ItemID: item}, t0); err != nil {
					t.Fatal(err)
				}
			} else {
				ingestRandom(t, st, id, sets, ret, rng)
			}
			for _, set := range sets {
				assertPackedMatches(t, db, st, id, set, step)
			}
			for _, recent := range []int{0, 3, 10} {
				assertPackedReadMatches(t, db, st, id, sets, recent, step)
			}
		}
	})
}

// ingestRandom ingests 1-4 events, or now and then 80 (more than the
// script updates in place), over 60 items, with times that go back and
// forth and some ratings.
func ingestRandom(t *testing.T, st *Store, id string, sets []consent.Scope, ret features.Retention, rng *rand.Rand) {
	t.Helper()
	n := 1 + rng.IntN(4)
	if rng.IntN(10) == 0 {
		n = 80
	}
	evs := make([]features.Routed, n)
	for i := range evs {
		evs[i] = features.Routed{CustomerID: id, Set: sets[rng.IntN(len(sets))], Member: fmt.Sprintf("it-%d", rng.IntN(60)),
			Time: t0.Add(-time.Duration(rng.IntN(500)) * time.Hour)}
		if rng.IntN(3) == 0 {
			evs[i].Rating = float64(1+rng.IntN(10)) / 2
		}
	}
	out, err := st.Ingest(context.Background(), evs, req(t0.Add(time.Hour)), ret)
	if err != nil {
		t.Fatal(err)
	}
	for i, why := range out {
		if why != "" && why != features.StoredBefore {
			t.Fatalf("event %d dropped: %s", i, why)
		}
	}
}

// assertPackedMatches: a set's packed copy, when there is one, holds
// exactly its members and scores.
func assertPackedMatches(t *testing.T, db *redistest.DB, st *Store, id string, set consent.Scope, step int) {
	t.Helper()
	ctx := context.Background()
	p, err := db.Client.Get(ctx, st.keys.packedSet(id, string(set))).Result()
	if err != nil {
		return // no copy: the read reads the set
	}
	zs, err := db.Client.ZRangeWithScores(ctx, st.keys.featureSet(id, string(set)), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]features.Interaction, len(zs))
	for i, z := range zs {
		want[i] = features.InteractionOf(z.Member.(string), z.Score)
	}
	if got := decodePacked(p); !slices.Equal(got, want) {
		t.Fatalf("step %d %s: packed copy %v, set %v", step, set, got, want)
	}
}

// assertPackedReadMatches: the gated read through the packed copies
// returns what it returns without them (the copies set aside).
func assertPackedReadMatches(t *testing.T, db *redistest.DB, st *Store, id string, sets []consent.Scope, recent int, step int) {
	t.Helper()
	ctx := context.Background()
	o := features.ReadOptions{Recent: recent}
	got, err := st.ReadState(ctx, id, req(t0.Add(time.Hour)), o)
	if err != nil {
		t.Fatal(err)
	}
	var moved []string
	for _, set := range sets {
		k := st.keys.packedSet(id, string(set))
		if db.Client.Exists(ctx, k).Val() == 1 {
			db.Client.Rename(ctx, k, k+":aside")
			moved = append(moved, k)
		}
	}
	want, err := st.ReadState(ctx, id, req(t0.Add(time.Hour)), o)
	for _, k := range moved {
		db.Client.Rename(ctx, k+":aside", k)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		if !slices.Equal(got.Interactions[set], want.Interactions[set]) {
			t.Fatalf("step %d recent %d %s: read %v, without the copy %v", step, recent, set, got.Interactions[set], want.Interactions[set])
		}
	}
	if !slices.Equal(got.Older, want.Older) {
		t.Fatalf("step %d recent %d: older %v, without the copy %v", step, recent, got.Older, want.Older)
	}
}

// TestPackSetsPacksSetsStoredWithoutCopies: sets written before the copies
// existed (straight into their ZSETs) get a copy equal to them with the
// set's time to live; a set that has one, event IDs and profiles are left
// alone, and a second run packs nothing.
func TestPackSetsPacksSetsStoredWithoutCopies(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		for i := range 3 {
			seedEverySet(t, db, st, fmt.Sprintf("old%d", i), 5+i)
		}
		db.Client.Expire(ctx, st.keys.featureSet("old0", "browsing"), time.Hour)
		db.Client.ZAdd(ctx, st.keys.eventIDs("old0", "browsing"), redis.Z{Score: 1, Member: "e1"})
		grantOnly(t, db, st, "new", consent.Browsing)
		ingestRandom(t, st, "new", []consent.Scope{consent.Browsing}, features.DefaultRetention(), rand.New(rand.NewPCG(1, 1)))
		n, err := st.PackSets(ctx)
		if err != nil || n != 9 { // 3 customers × browsing, purchases, sensitive
			t.Fatalf("packed %d, %v; want 9", n, err)
		}
		for i := range 3 {
			for _, set := range []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive} {
				assertPackedMatches(t, db, st, fmt.Sprintf("old%d", i), set, 0)
			}
		}
		if ttl := db.Client.TTL(ctx, st.keys.packedSet("old0", "browsing")).Val(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("copy's TTL %v, want the set's hour", ttl)
		}
		if ttl := db.Client.TTL(ctx, st.keys.packedSet("old1", "browsing")).Val(); ttl != -1 {
			t.Errorf("copy of a set without a TTL has TTL %v", ttl)
		}
		if n, err := st.PackSets(ctx); err != nil || n != 0 {
			t.Errorf("second run packed %d, %v", n, err)
		}
		for _, k := range db.Keys(t) {
			if strings.HasSuffix(k, ":ids:p") || strings.Contains(k, ":fs:declared:p") {
				t.Errorf("packed what is not an interaction set: %s", k)
			}
		}
	})
}

// TestPackedCopyOfAVanishedSetIsNotReused: when a set is gone but a copy
// of it is left (a set deleted by something that does not know the
// copies), the next ingest starts the copy afresh from the new set: the
// old members never come back.
func TestPackedCopyOfAVanishedSetIsNotReused(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		grantOnly(t, db, st, "v1", consent.Browsing)
		ev := func(item string) []features.Routed {
			return []features.Routed{{CustomerID: "v1", Set: consent.Browsing, Member: item, Time: t0}}
		}
		for _, item := range []string{"old-1", "old-2"} {
			if _, err := st.Ingest(ctx, ev(item), req(t0.Add(time.Hour)), features.DefaultRetention()); err != nil {
				t.Fatal(err)
			}
		}
		db.Client.Del(ctx, st.keys.featureSet("v1", "browsing"))
		if s, err := st.ReadState(ctx, "v1", req(t0.Add(time.Hour)), features.ReadOptions{}); err != nil || len(s.Interactions[consent.Browsing]) != 0 {
			t.Errorf("read of a deleted set through its copy: %v, %v", s.Interactions, err)
		}
		if _, err := st.Ingest(ctx, ev("new-1"), req(t0.Add(time.Hour)), features.DefaultRetention()); err != nil {
			t.Fatal(err)
		}
		assertPackedMatches(t, db, st, "v1", consent.Browsing, 0)
		s, err := st.ReadState(ctx, "v1", req(t0.Add(time.Hour)), features.ReadOptions{})
		if err != nil || len(s.Interactions[consent.Browsing]) != 1 || s.Interactions[consent.Browsing][0].Item != "new-1" {
			t.Errorf("read %v, %v; want new-1 alone", s, err)
		}
	})
}

// FuzzDecodePacked feeds the packed-copy decoder what a copy might hold
// (any bytes after the leading newline the read checks for): it never
// panics, keeps only entries with a member and a number, and orders them
// as ZRANGE would.
func FuzzDecodePacked(f *testing.F) {
	f.Add("\ni1\t1.7e+15\ni2\t42")
	f.Add("\n\t\n\ti\t\nx")
	f.Add("\ni1\tNaN\ni2\t-Inf\ni3\t1e400")
	f.Fuzz(func(t *testing.T, data string) {
		data = "\n" + data
		got := decodePacked(data)
		if len(got) > strings.Count(data, "\n") {
			t.Fatalf("%d entries from %d", len(got), strings.Count(data, "\n"))
		}
		for i, x := range got {
			if x.Item == "" || strings.ContainsAny(x.Item, "\t\n") {
				t.Fatalf("entry %d: member %q", i, x.Item)
			}
			if i > 0 && got[i-1].Last.After(x.Last) {
				t.Fatalf("entries %d and %d out of ZRANGE's order", i-1, i)
			}
		}
	})
}

// FuzzParseScore: a packed score reads exactly as strconv.ParseFloat reads it.
func FuzzParseScore(f *testing.F) {
	for _, s := range []string{"0", "1783451234567890", "9007199254740993", "1.5e+15", "-3", "", "12a", "99999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseScore(s)
		want, werr := strconv.ParseFloat(s, 64)
		if (err == nil) != (werr == nil) || err == nil && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseScore(%q) = %v, %v; ParseFloat %v, %v", s, got, err, want, werr)
		}
	})
}
