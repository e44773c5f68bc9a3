package redisstore

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/consent/consenttest"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
)

func TestConsentStoreContract(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		var n atomic.Int64
		consenttest.Run(t, func(t *testing.T) consent.Store {
			// a sub-namespace per subtest, cleaned up with the parent's
			return New(db.Client, fmt.Sprintf("%s:s%d", db.Namespace, n.Add(1)))
		})
	})
}

// TestWithdrawalPurgesAtomically: after purchases is withdrawn, the very
// next read has no purchase data and the key no longer exists.
func TestWithdrawalPurgesAtomically(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		now := time.Now()
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1, Now: func() time.Time { return now }})
		if _, err := svc.Put(ctx, "w1", consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
			t.Fatal(err)
		}
		evs := []features.Routed{
			{CustomerID: "w1", Set: consent.Purchases, EventID: "e1", Member: "i1", Time: now},
			{CustomerID: "w1", Set: consent.Browsing, Member: "i2", Time: now},
		}
		if why, err := st.Ingest(ctx, evs, svc.Request(false), features.DefaultRetention()); err != nil || why[0] != "" || why[1] != "" {
			t.Fatalf("ingest: %v %v", why, err)
		}
		withdraw := consent.Change{Scopes: map[consent.Scope]consent.State{consent.Purchases: consent.Denied}}
		if _, err := svc.Put(ctx, "w1", withdraw, "", false); err != nil {
			t.Fatal(err)
		}
		s, err := st.ReadState(ctx, "w1", svc.Request(false), features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Interactions[consent.Purchases]; ok {
			t.Error("purchases still read after withdrawal")
		}
		if len(s.Interactions[consent.Browsing]) != 1 {
			t.Error("browsing data lost though still granted")
		}
		if left, _ := db.Client.Keys(ctx, st.keys.featureSet("w1", "purchases")+"*").Result(); len(left) != 0 {
			t.Errorf("purchases keys still exist after withdrawal: %q", left)
		}
		if n, _ := db.Client.Exists(ctx, st.keys.packedSet("w1", "browsing")).Result(); n != 1 {
			t.Error("the browsing set's packed copy is gone though browsing is still granted")
		}
	})
}

// TestKeepOnWithdrawalKeepsData covers the setting that turns purging off.
func TestKeepOnWithdrawalKeepsData(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	st := New(db.Client, db.Namespace)
	svc := consent.NewService(st, consent.Config{PolicyVersion: 1, KeepOnWithdrawal: true})
	_, _ = svc.Put(ctx, "k1", consent.Change{Preset: consent.PresetFull}, "", false)
	_, _ = st.Ingest(ctx, []features.Routed{{CustomerID: "k1", Set: consent.Purchases, Member: "i1", Time: time.Now()}}, svc.Request(false), features.DefaultRetention())
	_, _ = svc.Put(ctx, "k1", consent.Change{Preset: consent.PresetNone}, "", false)
	if n, _ := db.Client.Exists(ctx, st.keys.featureSet("k1", "purchases")).Result(); n != 1 {
		t.Error("data purged although KeepOnWithdrawal is set")
	}
	s, _ := st.ReadState(ctx, "k1", svc.Request(false), features.ReadOptions{})
	if len(s.Interactions) != 0 {
		t.Error("kept data is still read after withdrawal")
	}
}

// TestTamperedLogIsReportedNotFailed: a hand-edited log is chain_valid=false
// with the first bad entry, never an error.
func TestTamperedLogIsReportedNotFailed(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		_, _ = svc.Put(ctx, "t1", consent.Change{Preset: consent.PresetFull}, "", false)
		_, _ = svc.Put(ctx, "t1", consent.Change{Preset: consent.PresetNone}, "", false)
		n := int(db.Client.LLen(ctx, st.keys.consentLog("t1")).Val())
		// hand-edit: add a bogus entry with a garbage record after the real ones
		db.Client.RPush(ctx, st.keys.consentLog("t1"), "99\nbrowsing\nzzz\nx\ny")
		h, err := svc.History(ctx, "t1")
		if err != nil {
			t.Fatalf("History on a tampered log: %v", err)
		}
		if n == 0 || h.ChainValid || h.FirstBad != n {
			t.Errorf("chain_valid=%v first_bad=%d, want false and %d", h.ChainValid, h.FirstBad, n)
		}
		// and an entry of another shape
		db.Client.LSet(ctx, st.keys.consentLog("t1"), 0, "not an entry")
		if h, err := svc.History(ctx, "t1"); err != nil || h.ChainValid || h.FirstBad != 0 {
			t.Errorf("a malformed first entry: chain_valid=%v first_bad=%d, %v", h.ChainValid, h.FirstBad, err)
		}
	})
}

// A consent log that a version before kept as a STREAM is read as it was,
// and the next change turns it into the list with every entry in order
// and the chain unbroken.
func TestStreamLogFromBeforeIsReadAndConverted(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		_, _ = svc.Put(ctx, "s1", consent.Change{Preset: consent.PresetFull}, "", false)
		_, _ = svc.Put(ctx, "s1", consent.Change{Preset: consent.PresetBasic}, "", false)
		key := st.keys.consentLog("s1")
		before, err := svc.History(ctx, "s1")
		if err != nil || !before.ChainValid || len(before.Entries) < 8 {
			t.Fatalf("history: %+v, %v", before, err)
		}
		asStream(t, db, key)
		read, err := svc.History(ctx, "s1")
		if err != nil || !read.ChainValid || !reflect.DeepEqual(read.Entries, before.Entries) {
			t.Fatalf("the stream log read as %+v (%v), want %+v", read.Entries, err, before.Entries)
		}
		if _, err := svc.Put(ctx, "s1", consent.Change{Preset: consent.PresetNone}, "", false); err != nil {
			t.Fatal(err)
		}
		after, err := svc.History(ctx, "s1")
		if typ := db.Client.Type(ctx, key).Val(); typ != "list" || err != nil || !after.ChainValid ||
			len(after.Entries) <= len(before.Entries) || !reflect.DeepEqual(after.Entries[:len(before.Entries)], before.Entries) {
			t.Errorf("after the next change: a %s, chain valid %v, %d entries (%v); want a list continuing the %d before", typ, after.ChainValid, len(after.Entries), err, len(before.Entries))
		}
	})
}

// asStream rewrites the consent log at key as the version before wrote it:
// one stream entry per log entry.
func asStream(t *testing.T, db *redistest.DB, key string) {
	t.Helper()
	ctx := context.Background()
	held := db.Client.LRange(ctx, key, 0, -1).Val()
	db.Client.Del(ctx, key)
	for _, h := range held {
		f := strings.Split(h, "\n")
		db.Client.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"seq", f[0], "scope", f[1], "record", f[2], "prev", f[3], "hash", f[4]}})
	}
	if typ := db.Client.Type(ctx, key).Val(); len(held) == 0 || typ != "stream" {
		t.Fatalf("fixture is a %s of %d entries", typ, len(held))
	}
}

// `candor migrate` turns every stream log into the list at once (the
// entries as they were), leaves lists alone, and may run again.
func TestListConsentLogs(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		want := map[string]consent.History{}
		for _, id := range []string{"m1", "m2", "m3"} {
			_, _ = svc.Put(ctx, id, consent.Change{Preset: consent.PresetFull}, "", false)
			want[id], _ = svc.History(ctx, id)
		}
		asStream(t, db, st.keys.consentLog("m1"))
		asStream(t, db, st.keys.consentLog("m2"))
		for run, wantTurned := range []int{2, 0} {
			if n, err := st.ListConsentLogs(ctx); err != nil || n != wantTurned {
				t.Errorf("run %d turned %d logs (%v), want %d", run, n, err, wantTurned)
			}
		}
		for id, w := range want {
			got, err := svc.History(ctx, id)
			if typ := db.Client.Type(ctx, st.keys.consentLog(id)).Val(); typ != "list" || err != nil || !got.ChainValid || !reflect.DeepEqual(got.Entries, w.Entries) {
				t.Errorf("%s: a %s, %+v (%v); want the list of %+v", id, typ, got, err, w.Entries)
			}
		}
	})
}

// A withdrawal is a denial of what was granted: View.Withdrawn lists those
// scopes only, and OnChange hears of every change written, GPC's too.
func TestWithdrawnScopesAndOnChange(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	svc := consent.NewService(New(db.Client, db.Namespace), consent.Config{PolicyVersion: 1})
	var heard []consent.View
	svc.OnChange(func(v consent.View) { heard = append(heard, v) })
	if _, err := svc.Put(ctx, "wd", consent.Change{Scopes: map[consent.Scope]consent.State{consent.Browsing: consent.Granted, consent.Email: consent.Denied}}, "", false); err != nil {
		t.Fatal(err)
	}
	v, err := svc.Put(ctx, "wd", consent.Change{Scopes: map[consent.Scope]consent.State{consent.Browsing: consent.Denied, consent.Purchases: consent.Denied, consent.Email: consent.Denied}}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Withdrawn) != 1 || v.Withdrawn[0] != consent.Browsing || len(v.Shown) != 0 {
		t.Errorf("withdrawn %v, shown %v; want [browsing] and none shown (no decision used it)", v.Withdrawn, v.Shown)
	}
	if _, err := svc.RecordGPC(ctx, "wd"); err != nil {
		t.Fatal(err)
	}
	_, _ = svc.Put(ctx, "wd", consent.Change{Scopes: map[consent.Scope]consent.State{consent.Browsing: consent.Denied}}, "", false) // changes nothing
	if len(heard) != 3 || heard[2].Changed[0].Source != consent.SourceGPC {
		t.Errorf("OnChange heard %d changes, want 3 (grant, withdrawal, GPC)", len(heard))
	}
}
