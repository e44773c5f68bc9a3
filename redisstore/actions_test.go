package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/versioned"
)

// testCatalog returns a valid catalog of email actions with the IDs given.
func testCatalog(ids ...string) actions.Catalog {
	c := actions.Catalog{}
	for _, id := range ids {
		c.Actions = append(c.Actions, actions.Action{ID: id, Name: "Action " + id, Type: actions.TypeOffer,
			Channels: []consent.Scope{consent.Email}, Value: 10})
	}
	return c
}

// TestActionsStore: drafts, publish, versions, live, rollback and audit
// through the Service, with the documented keys.
func TestActionsStore(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := actions.NewService(st, nil)
		if _, err := svc.Draft(ctx); candor.ErrorCode(err) != candor.ENotFound {
			t.Fatalf("Draft before any = %v, want not_found", err)
		}
		if c, err := svc.Live(ctx); err != nil || c.Version() != 0 {
			t.Fatalf("Live before any = %v, %v; want the empty catalog", c, err)
		}
		bad := testCatalog("a")
		bad.Actions[0].Channels = []consent.Scope{"fax"}
		mustPut(t, svc, bad)
		var ps actions.Problems
		if err := svc.Validate(ctx); !errors.As(err, &ps) || len(ps) != 1 {
			t.Fatalf("Validate = %v, want one problem", err)
		}
		if _, err := svc.Publish(ctx, "ann"); candor.ErrorCode(err) != candor.EInvalid {
			t.Fatalf("Publish of an invalid draft = %v, want invalid", err)
		}
		for _, ids := range [][]string{{"a"}, {"a", "b"}} {
			mustPut(t, svc, testCatalog(ids...))
			if _, err := svc.Publish(ctx, "ann"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Rollback(ctx, 1, "bob"); err != nil {
			t.Fatal(err)
		}
		live, err := svc.Live(ctx)
		if err != nil || live.Version() != 3 || live.Len() != 1 {
			t.Fatalf("Live = v%d with %d actions, %v; want v3 with a alone", live.Version(), live.Len(), err)
		}
		vs, err := svc.Versions(ctx)
		if err != nil || len(vs) != 3 || vs[0].Version != 3 || !vs[0].Live || vs[2].Live {
			t.Errorf("Versions = %+v, %v", vs, err)
		}
		audit, err := svc.Audit(ctx, 10)
		if err != nil || len(audit) != 3 {
			t.Fatalf("Audit = %+v, %v", audit, err)
		}
		if e := audit[0]; e.Action != actions.AuditRollback || e.Who != "bob" || e.RestoredFrom != 1 || !slices.Equal(e.Diff.Removed, []string{"b"}) {
			t.Errorf("newest audit entry %+v", e)
		}
		if e := audit[1]; e.Version != 2 || !slices.Equal(e.Diff.Added, []string{"b"}) {
			t.Errorf("second audit entry %+v", e)
		}
		if rs, err := rules.NewService(st, rules.Config{}).Audit(ctx, "", 10); err != nil || len(rs) != 0 {
			t.Errorf("RulesAudit sees %d entries, %v; want the actions' entries skipped", len(rs), err)
		}
		ns := db.Namespace + ":{shared}" // one hash tag: the publish MULTI writes them together
		for key, typ := range map[string]string{ns + ":actions:draft": "string", ns + ":actions:versions": "hash",
			ns + ":actions:live": "string", ns + ":audit": "stream"} {
			if got := db.Client.Type(ctx, key).Val(); got != typ {
				t.Errorf("%s is a %q, want %s", key, got, typ)
			}
		}
		if err := st.PublishDoc(ctx, versioned.Ref{Kind: actions.Kind}, 2, []byte(`{"version":2}`), []byte(`{}`)); candor.ErrorCode(err) != candor.EConflict {
			t.Errorf("publishing a stale version = %v, want conflict", err)
		}
	})
}

func mustPut(t testing.TB, svc *actions.Service, c actions.Catalog) {
	t.Helper()
	if _, err := svc.PutDraft(context.Background(), c, "ann"); err != nil {
		t.Fatal(err)
	}
}

// TestActionsConcurrentPublish: of many publishes of the same version,
// exactly one wins and the others conflict.
func TestActionsConcurrentPublish(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		var wins, conflicts atomic.Int64
		var wg sync.WaitGroup
		for k := range 8 {
			wg.Go(func() {
				c := testCatalog(fmt.Sprintf("a%d", k))
				c.Version = 1
				body, _ := json.Marshal(c)
				switch err := st.PublishDoc(context.Background(), versioned.Ref{Kind: actions.Kind}, 1, body, []byte(`{"version":1}`)); candor.ErrorCode(err) {
				case "":
					wins.Add(1)
				case candor.EConflict:
					conflicts.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != 7 {
			t.Errorf("%d wins and %d conflicts, want 1 and 7", wins.Load(), conflicts.Load())
		}
	})
}

// TestActionsLiveReload: a publish announces TopicActions, and a replica's
// Live holder reloads on the notice.
func TestActionsLiveReload(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		other := redis.NewClient(db.Client.Options())
		t.Cleanup(func() { _ = other.Close() })
		a, b := New(db.Client, db.Namespace), New(other, db.Namespace)
		live := actions.NewLive(b)
		if err := live.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		go b.Subscribe(ctx, func(topic string) {
			if topic == TopicActions {
				_ = live.Reload(ctx)
			}
		})
		waitSubscribed(t, db.Client, a.keys.events())
		svc := actions.NewService(a, nil)
		mustPut(t, svc, testCatalog("a", "b"))
		if _, err := svc.Publish(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		eventually.True(t, "the replica to reload", func() bool { return live.Load().Version() == 1 })
		if got := live.Load().Len(); got != 2 {
			t.Errorf("live holds %d actions, want 2", got)
		}
	})
}

// TestDeliverConcurrent: many concurrent deliveries, while events for the
// same customer are ingested, never break a cap or the contact policy.
// Run it with -race and REDIS_URL for the real server.
func TestDeliverConcurrent(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		cat := testCatalog("capped", "free", "other")
		cat.Actions[0].Caps = actions.Caps{MaxPer: 2, Period: "30d"}
		cat.Actions[2].Channels = []consent.Scope{consent.SMS}
		cat.Version = 1
		c, err := actions.Validate(cat)
		if err != nil {
			t.Fatal(err)
		}
		pol := actions.Policy{consent.Email: {Max: 5, Period: 7 * 24 * time.Hour}}
		eng := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Policy: pol})
		now := time.Now().UTC()
		grantEmail(t, db, st, "cust", now)
		var delivered sync.Map
		var wg sync.WaitGroup
		for k := range 40 {
			wg.Go(func() {
				id := []string{"capped", "free"}[k%2]
				reason, err := eng.Deliver(ctx, st, "cust", id, consent.Email, req(now)) // all in one millisecond
				if err != nil {
					t.Error(err)
					return
				}
				if reason == "" {
					n, _ := delivered.LoadOrStore(id, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}
			})
			wg.Go(func() { // events that touch the contacts but are no email deliveries
				ev := features.Routed{CustomerID: "cust", Member: fmt.Sprintf("other:impression:sms:%d", k), Time: now}
				if _, err := st.Ingest(ctx, []features.Routed{ev}, consent.Request{Now: now, PolicyVersion: 1}, features.DefaultRetention()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		zs, err := db.Client.ZRange(ctx, st.keys.contacts("cust"), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range zs {
			if strings.Contains(m, ":email:") {
				count[strings.SplitN(m, ":", 2)[0]]++
			}
		}
		if count["capped"] > 2 || count["capped"]+count["free"] != 5 {
			t.Errorf("email deliveries %v, want capped at most 2 (its cap) and 5 in all (the policy)", count)
		}
		n := 0
		delivered.Range(func(_, v any) bool { n += int(v.(*atomic.Int64).Load()); return true })
		if n != 5 {
			t.Errorf("Deliver reported %d successes, want 5", n)
		}
	})
}

// grantEmail stores a grant of the email channel for id at t.
func grantEmail(t testing.TB, db *redistest.DB, st *Store, id string, at time.Time) {
	t.Helper()
	rec := consent.EncodeRecord(consent.Record{Scope: consent.Email, State: consent.Granted, Time: at, PolicyVersion: 1, Source: consent.SourceAPI})
	if err := db.Client.HSet(context.Background(), st.keys.consent(id), string(consent.Email), rec).Err(); err != nil {
		t.Fatal(err)
	}
}

// Consent and contacts are read inside the delivery's transaction: no
// delivery without the channel, and an erased customer (no consent key)
// gets none and no key back.
func TestDeliverChecksConsentInTheTransaction(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		cat := testCatalog("welcome")
		cat.Version = 1
		c, err := actions.Validate(cat)
		if err != nil {
			t.Fatal(err)
		}
		eng := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{})
		now := time.Now().UTC()
		reason, err := eng.Deliver(ctx, st, "erased", "welcome", consent.Email, req(now))
		if err != nil || reason != actions.ReasonNoChannelConsent {
			t.Errorf("delivery to a customer without consent: %q, %v", reason, err)
		}
		if n, _ := db.Client.Exists(ctx, st.keys.contacts("erased")).Result(); n != 0 {
			t.Error("a refused delivery created the contacts key")
		}
		grantEmail(t, db, st, "ok", now.Add(-time.Minute))
		if reason, err := eng.Deliver(ctx, st, "ok", "welcome", consent.Email, req(now)); err != nil || reason != "" {
			t.Errorf("delivery with email granted: %q, %v", reason, err)
		}
		got, err := st.ActionResponses(ctx)
		if err != nil || got["welcome"].Impressions != 1 {
			t.Errorf("responses after one delivery: %+v, %v", got, err)
		}
	})
}
