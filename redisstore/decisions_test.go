package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
)

// decisionBody is a decision with one reason from purchases and one from
// browsing, as the scorer answers it.
const decisionBody = `{"decision_id":"%s","customer_id":"d1","items":[{"item_id":"i9","score":1.5,"reasons":[
 {"kind":"bought_together","text":"Because you bought Kettle and 1 more","evidence":["p1","p2"],"feature_set":"purchases","contribution":1},
 {"kind":"viewed_recently","text":"Because you viewed Mug","evidence":["v1"],"feature_set":"browsing","contribution":0.5}]}],
 "personalization":{"level":"full","used_sets":["browsing","purchases"],"withheld_sets":[]},"time":"2026-11-25T10:00:00.123456789Z"}`

// decisionCatalog names the items of decisionBody.
var decisionCatalog = catalog.NewSnapshot([]catalog.Item{{ID: "i9", Title: "Teapot", Category: []string{"kitchen"}},
	{ID: "p1", Title: "Kettle"}, {ID: "p2", Title: "Cup"}, {ID: "v1", Title: "Mug"}}, nil)

// record makes the stored record of decision id made under the customer's
// current consent head, as the writer does.
func record(t *testing.T, st *Store, id string) recommend.DecisionRecord {
	t.Helper()
	s, err := st.ReadState(context.Background(), "d1", req(time.Now()), features.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var d recommend.Response
	if err := json.Unmarshal([]byte(strings.ReplaceAll(decisionBody, "%s", id)), &d); err != nil {
		t.Fatal(err)
	}
	d.Time = time.Now().UTC().Format(time.RFC3339Nano)
	rec, ev, err := recommend.EncodeRecord(&d)
	if err != nil || len(ev) == 0 || bytes.Contains(rec, []byte("p1")) || bytes.Contains(rec, []byte("v1")) {
		t.Fatalf("record: %v, evidence %q, record %q", err, ev, rec)
	}
	return recommend.DecisionRecord{ID: id, CustomerID: "d1", Time: time.Now(), Record: rec, Evidence: ev, ConsentHead: s.ConsentHead}
}

// fullConsent returns a store on db and its consent service, customer d1
// having granted everything.
func fullConsent(t *testing.T, db *redistest.DB) (*Store, *consent.Service) {
	t.Helper()
	st := New(db.Client, db.Namespace)
	svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
	if _, err := svc.Put(context.Background(), "d1", consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
		t.Fatal(err)
	}
	return st, svc
}

// reader reads decisions back as the why page and the export do.
func reader(st *Store) *recommend.Service {
	return recommend.NewService(recommend.Deps{Store: st, Catalog: func() *catalog.Snapshot { return decisionCatalog }}, recommend.Config{})
}

// shown returns decision id as the why page reads it.
func shown(t *testing.T, st *Store, id string) string {
	t.Helper()
	d, err := reader(st).Decision(context.Background(), "d1", id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// Withdrawing purchases deletes its evidence from every stored decision in
// the consent change's own step (the bytes are gone from Redis, exactly
// as recommend.StripEvidence says); a record made before the withdrawal
// and written after it (queued in a writer) cannot bring it back.
func TestWithdrawalReachesStoredDecisions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st, svc := fullConsent(t, db)
		written, queued := record(t, st, "dec1"), record(t, st, "dec2")
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{written}, recommend.Retention{Keep: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if got := shown(t, st, "dec1"); !strings.Contains(got, "Because you bought Kettle and 1 more") || !strings.Contains(got, `"p1"`) {
			t.Fatalf("before the withdrawal: %s", got)
		}
		withdraw := consent.Change{Scopes: map[consent.Scope]consent.State{consent.Purchases: consent.Denied}}
		if _, err := svc.Put(ctx, "d1", withdraw, "", false); err != nil {
			t.Fatal(err)
		}
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{queued}, recommend.Retention{Keep: time.Hour}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"dec1", "dec2"} {
			got := shown(t, st, id)
			if strings.Contains(got, "Because you bought") || strings.Contains(got, `"p1"`) || strings.Contains(got, `"p2"`) || !strings.Contains(got, `"evidence_deleted":true`) {
				t.Errorf("%s after the withdrawal: %s", id, got)
			}
		}
		if got := shown(t, st, "dec1"); !strings.Contains(got, `"v1"`) || !strings.Contains(got, "Because you viewed Mug") {
			t.Errorf("browsing evidence lost though browsing is still granted: %s", got)
		}
		held, err := st.heldRecords(ctx, st.keys.decisions("d1"), 0, -1)
		if err != nil || len(held) != 2 {
			t.Fatalf("%d records held: %v", len(held), err)
		}
		want, _ := recommend.StripEvidence(append(written.Record, written.Evidence...), consent.Purchases)
		if held[1] != string(want) {
			t.Errorf("the withdrawal left\n%q\nwant\n%q", held[1], want)
		}
		for _, h := range held {
			if strings.Contains(h, "p1") || strings.Contains(h, "p2") {
				t.Errorf("a stored record still holds withdrawn evidence: %q", h)
			}
		}
		ex, err := reader(st).DecisionsOf(ctx, "d1")
		if err != nil || len(ex) != 2 {
			t.Fatalf("export: %d decisions, %v", len(ex), err)
		}
		for _, d := range ex {
			if strings.Contains(string(d), `"p1"`) {
				t.Errorf("the export repeats withdrawn evidence: %s", d)
			}
		}
	})
}

// A decision is found only in its own customer's records.
func TestDecisionIsFoundOnlyForItsCustomer(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		rec, err := recommend.JSONRecord("dx", "d1", "", time.Now(), []byte(`{"decision_id":"dx"}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{rec}, recommend.Retention{Keep: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Decision(ctx, "d1", "dx"); err != nil {
			t.Errorf("own: %v", err)
		}
		for _, who := range []string{"d2", ""} {
			if _, err := st.Decision(ctx, who, "dx"); candor.ErrorCode(err) != candor.ENotFound {
				t.Errorf("as %q: %v, want not_found", who, err)
			}
		}
	})
}

// A record of the JSON format from before (a STREAM entry, its evidence
// in per-set HASHes), still in Redis after an upgrade, is read as it was
// shown, is in the export, and a withdrawal still reaches its evidence.
func TestOldFormatDecisionIsRead(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st, svc := fullConsent(t, db)
		var d recommend.Response
		if err := json.Unmarshal([]byte(strings.ReplaceAll(decisionBody, "%s", "old1")), &d); err != nil {
			t.Fatal(err)
		}
		d.Items[0].Title = "Teapot"
		asShown, _ := json.Marshal(&d)
		docs, err := recommend.SplitReasons([][]recommend.Reason{d.Items[0].Reasons})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(&d)
		// as the previous version wrote it: XADD id/d, evidence by entry ID
		sid, err := db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.legacyDecisions("d1"), Values: []any{"id", "old1", "d", body}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		for set, doc := range docs {
			db.Client.HSet(ctx, st.keys.evidence("d1", consent.Scope(set)), sid, doc)
		}
		anon, _ := json.Marshal(recommend.Response{DecisionID: "old2", Items: []recommend.Item{}})
		db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.legacyAnonDecisions(), Values: []any{"id", "old2", "d", anon}})

		got, err := reader(st).Decision(ctx, "d1", "old1")
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(got); !bytes.Equal(b, asShown) {
			t.Errorf("old record read as\n%s\nshown as\n%s", b, asShown)
		}
		if a, err := reader(st).Decision(ctx, "", "old2"); err != nil || a.DecisionID != "old2" {
			t.Errorf("old anonymous record: %+v, %v", a, err)
		}
		if ex, err := reader(st).DecisionsOf(ctx, "d1"); err != nil || len(ex) != 1 || !strings.Contains(string(ex[0]), `"p1"`) {
			t.Errorf("export of the old record: %s, %v", ex, err)
		}
		withdraw := consent.Change{Scopes: map[consent.Scope]consent.State{consent.Purchases: consent.Denied}}
		if _, err := svc.Put(ctx, "d1", withdraw, "", false); err != nil {
			t.Fatal(err)
		}
		if got := shown(t, st, "old1"); strings.Contains(got, `"p1"`) || !strings.Contains(got, `"evidence_deleted":true`) || !strings.Contains(got, `"v1"`) {
			t.Errorf("old record after the withdrawal: %s", got)
		}
		// A new record next to the old one: both are read.
		rec := record(t, st, "new1")
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{rec}, recommend.Retention{}); err != nil {
			t.Fatal(err)
		}
		if ex, err := reader(st).DecisionsOf(ctx, "d1"); err != nil || len(ex) != 2 || !strings.Contains(string(ex[0]), "old1") || !strings.Contains(string(ex[1]), "new1") {
			t.Errorf("export of old and new records: %s, %v", ex, err)
		}
	})
}

// Records are kept as the retention says: the newest per customer up to
// its cap, anonymous ones up to theirs, none older than Keep, and the key
// expires Keep after the last record.
func TestDecisionRetention(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		ret := recommend.Retention{Keep: time.Hour, PerCustomer: 3, Anonymous: 2}
		at := func(id, customer string, t0 time.Time) recommend.DecisionRecord {
			b, _ := json.Marshal(map[string]string{"decision_id": id, "customer_id": customer})
			r, err := recommend.JSONRecord(id, customer, "", t0, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		now := time.Now()
		var recs []recommend.DecisionRecord
		recs = append(recs, at("old", "c1", now.Add(-2*time.Hour)), at("a1", "", now), at("a2", "", now), at("a3", "", now))
		for _, id := range []string{"r1", "r2", "r3", "r4"} {
			recs = append(recs, at(id, "c1", now))
		}
		if err := st.AppendDecisions(ctx, recs, ret); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string][]string{"c1": {"r2", "r3", "r4"}, "": {"a2", "a3"}} {
			var got []string
			for _, id := range []string{"old", "r1", "r2", "r3", "r4", "a1", "a2", "a3"} {
				if _, err := st.Decision(ctx, who, id); err == nil {
					got = append(got, id)
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%q keeps %v, want %v", who, got, want)
			}
		}
		// the oldest record is trimmed by age even when under the cap
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{at("old2", "c2", now.Add(-2*time.Hour)), at("new", "c2", now)}, ret); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Decision(ctx, "c2", "old2"); candor.ErrorCode(err) != candor.ENotFound {
			t.Errorf("a record older than Keep is still held: %v", err)
		}
		// a record already older than Keep is not held, even alone
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{at("late", "c3", now.Add(-2*time.Hour))}, ret); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Decision(ctx, "c3", "late"); candor.ErrorCode(err) != candor.ENotFound {
			t.Errorf("a record older than Keep was kept: %v", err)
		}
		if ttl := db.Client.PTTL(ctx, st.keys.decisions("c2")).Val(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("decisions TTL %v, want ≤ 1h", ttl)
		}
	})
}

// A key holding one record holds it as a STRING (a list's overhead is
// most of a first record's cost); the next record makes it a list again,
// newest first, a cap of one keeps the newest as a string, and every
// reader reads either, as well as a one-record list an earlier version
// left.
func TestLoneRecordIsAString(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st, _ := fullConsent(t, db)
		key := st.keys.decisions("d1")
		held := func(wantType string, want ...string) {
			t.Helper()
			if got := db.Client.Type(ctx, key).Val(); got != wantType {
				t.Errorf("the decisions key is a %s, want a %s", got, wantType)
			}
			recs, err := st.heldRecords(ctx, key, 0, -1)
			var ids []string
			for _, r := range recs {
				id, _ := recommend.RecordID([]byte(r))
				ids = append(ids, id)
			}
			if err != nil || strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Errorf("held %v (%v), want %v", ids, err, want)
			}
			for _, id := range want {
				if _, err := st.Decision(ctx, "d1", id); err != nil {
					t.Errorf("decision %s: %v", id, err)
				}
			}
			if ttl := db.Client.PTTL(ctx, key).Val(); ttl <= 0 || ttl > time.Hour {
				t.Errorf("TTL %v, want ≤ 1h", ttl)
			}
		}
		ret := recommend.Retention{Keep: time.Hour}
		appendOne := func(id string, ret recommend.Retention) recommend.DecisionRecord {
			r := record(t, st, id)
			if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{r}, ret); err != nil {
				t.Fatal(err)
			}
			return r
		}
		first := appendOne("r1", ret)
		held("string", "r1")
		if got := db.Client.Get(ctx, key).Val(); got != string(first.Record)+string(first.Evidence) {
			t.Errorf("the lone record is held as\n%q\nwant\n%q", got, string(first.Record)+string(first.Evidence))
		}
		appendOne("r2", ret)
		held("list", "r2", "r1")
		if ex, err := reader(st).DecisionsOf(ctx, "d1"); err != nil || len(ex) != 2 || !strings.Contains(string(ex[0]), "r1") || !strings.Contains(string(ex[1]), "r2") {
			t.Errorf("export: %s, %v", ex, err)
		}
		appendOne("r3", recommend.Retention{Keep: time.Hour, PerCustomer: 1})
		held("string", "r3")

		// a one-record list as the version before left it
		db.Client.Del(ctx, key)
		old := record(t, st, "o1")
		db.Client.RPush(ctx, key, append(old.Record, old.Evidence...))
		db.Client.PExpire(ctx, key, time.Hour)
		held("list", "o1")
		appendOne("r4", ret)
		held("list", "r4", "o1")

		if err := st.DeleteDecisions(ctx, "d1"); err != nil {
			t.Fatal(err)
		}
		appendOne("r5", ret)
		if err := st.DeleteDecisions(ctx, "d1"); err != nil || db.Client.Exists(ctx, key).Val() != 0 {
			t.Errorf("a lone record is not deleted: %v", err)
		}
	})
}

// The withdrawal script strips a record's evidence sections exactly as
// recommend.StripEvidence does, for records of every shape: evidence of
// several sets, sections longer than 127 bytes (a two-byte length), and
// records without any.
func TestWithdrawalStripsAsGoDoes(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		if _, err := svc.Put(ctx, "d1", consent.Change{Preset: consent.PresetFull, Scopes: map[consent.Scope]consent.State{consent.Sensitive: consent.Granted}}, "", false); err != nil {
			t.Fatal(err)
		}
		s, err := st.ReadState(ctx, "d1", req(time.Now()), features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sets := []string{"browsing", "purchases", "declared", "sensitive", "none"}
		kinds := map[string]string{"browsing": recommend.KindViewedRecently, "purchases": recommend.KindBoughtTogether,
			"declared": recommend.KindDeclaredPreference, "sensitive": recommend.KindSensitiveHistory, "none": recommend.KindPopular}
		var stored [][]byte
		for n := range 12 {
			d := recommend.Response{DecisionID: "r" + strings.Repeat("x", n), Time: time.Now().UTC().Format(time.RFC3339Nano),
				Personalization: recommend.Personalization{UsedSets: []string{}, Withheld: []recommend.Withheld{}}}
			for i := range n {
				set := sets[(i*7+n)%len(sets)]
				var ev []string
				if set != "none" {
					for j := range 1 + (i*n)%60 {
						ev = append(ev, "item-"+strings.Repeat("z", j%5)+string(rune('a'+j%26))+string(rune('a'+j/26)))
					}
				}
				d.Items = append(d.Items, recommend.Item{ItemID: "i" + string(rune('a'+i)), Reasons: []recommend.Reason{
					{Kind: kinds[set], FeatureSet: set, Evidence: ev, Contribution: float64(i) + 0.1}}})
			}
			rec, ev, err := recommend.EncodeRecord(&d)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{{ID: d.DecisionID, CustomerID: "d1", Record: rec, Evidence: ev, ConsentHead: s.ConsentHead}}, recommend.Retention{}); err != nil {
				t.Fatal(err)
			}
			stored = append([][]byte{append(rec, ev...)}, stored...) // newest first, as the list
		}
		for _, set := range []consent.Scope{consent.Browsing, consent.Sensitive, consent.Purchases, consent.Declared} {
			withdraw := consent.Change{Scopes: map[consent.Scope]consent.State{set: consent.Denied}}
			if _, err := svc.Put(ctx, "d1", withdraw, "", false); err != nil {
				t.Fatal(err)
			}
			held, err := st.heldRecords(ctx, st.keys.decisions("d1"), 0, -1)
			if err != nil || len(held) != len(stored) {
				t.Fatalf("%d records held, %v", len(held), err)
			}
			for i := range stored {
				if stored[i], err = recommend.StripEvidence(stored[i], set); err != nil {
					t.Fatal(err)
				}
				if held[i] != string(stored[i]) {
					t.Errorf("after withdrawing %s, record %d is\n%q\nwant\n%q", set, i, held[i], stored[i])
				}
			}
		}
		for _, h := range stored {
			if bytes.Contains(h, []byte("item-")) {
				t.Errorf("evidence left after every set was withdrawn: %q", h)
			}
		}
	})
}
