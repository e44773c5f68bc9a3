package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/rules/rulestest"
	"github.com/candorhq/candor/versioned"
	"github.com/candorhq/candor/versioned/versionedtest"
)

// TestDocumentStoreContract holds the one store of rulesets and the action
// catalog to the versioned mechanism's contract.
func TestDocumentStoreContract(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		var n atomic.Int64
		versionedtest.Run(t, func(t *testing.T) versioned.Store {
			return New(db.Client, fmt.Sprintf("%s:s%d", db.Namespace, n.Add(1)))
		})
	})
}

// TestRulesKeys: the documented layout, and foreign audit entries skipped.
func TestRulesKeys(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := rules.NewService(st, rules.Config{})
		if _, err := svc.PutDraft(ctx, "promo", rulestest.Ruleset("promo", 0, "a"), "ann"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Publish(ctx, "promo", "ann"); err != nil {
			t.Fatal(err)
		}
		db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.audit(), Values: []any{"kind", "actions", "entry", "{}"}})
		ns := db.Namespace + ":{shared}" // one hash tag: the publish script writes them together
		for key, typ := range map[string]string{ns + ":rules:promo:draft": "string", ns + ":rules:promo:versions": "hash",
			ns + ":rules:promo:live": "string", ns + ":audit": "stream"} {
			if got := db.Client.Type(ctx, key).Val(); got != typ {
				t.Errorf("%s is a %q, want %s", key, got, typ)
			}
		}
		if got := db.Keys(t); len(got) != 4 {
			t.Errorf("keys %v, want exactly the four above", got)
		}
		audit, err := svc.Audit(ctx, "", 10)
		if err != nil || len(audit) != 1 || audit[0].Version != 1 || audit[0].Who != "ann" {
			t.Errorf("RulesAudit = %+v, %v; want the one publish", audit, err)
		}
	})
}

// TestRulesAuditPages reads past many foreign entries, and reads the
// entries of rulesets published before the shared mechanism, which name
// the ruleset in a "ruleset" field.
func TestRulesAuditPages(t *testing.T) {
	ctx := context.Background()
	db := redistest.New(t)
	st := New(db.Client, db.Namespace)
	promo := versioned.Ref{Kind: rules.Kind, Name: "promo"}
	db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.audit(), Values: []any{"kind", "rules", "ruleset", "promo", "entry", `{"ruleset":"promo","version":0}`}})
	db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.audit(), Values: []any{"kind", "rules", "ruleset", "other", "entry", `{"ruleset":"other","version":9}`}})
	for v := 1; v <= 3; v++ {
		body, _ := json.Marshal(rulestest.Ruleset("promo", v, "a"))
		entry, _ := json.Marshal(rules.AuditEntry{Ruleset: "promo", Version: v})
		if err := st.PublishDoc(ctx, promo, v, body, entry); err != nil {
			t.Fatal(err)
		}
		for range auditPage {
			db.Client.XAdd(ctx, &redis.XAddArgs{Stream: st.keys.audit(), Values: []any{"kind", "actions", "entry", "{}"}})
		}
	}
	got, err := rules.NewService(st, rules.Config{}).Audit(ctx, "promo", 5)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, e := range got {
		vs = append(vs, e.Version)
	}
	if !slices.Equal(vs, []int{3, 2, 1, 0}) {
		t.Errorf("versions in audit %v, want [3 2 1 0]", vs)
	}
}

// TestRulesTwoReplicas: two servers on one Redis, each with its own client
// and Live holder. A publish through one reaches the other's holder within
// a second through the pub/sub notice alone.
func TestRulesTwoReplicas(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		other := redis.NewClient(db.Client.Options())
		t.Cleanup(func() { _ = other.Close() })
		a, b := New(db.Client, db.Namespace), New(other, db.Namespace)
		liveA, liveB := rules.NewLive(a, "default", nil), rules.NewLive(b, "default", nil)
		for _, l := range []*rules.Live{liveA, liveB} {
			if err := l.Reload(ctx); err != nil {
				t.Fatal(err)
			}
		}
		go b.Subscribe(ctx, func(topic string) {
			if topic == TopicRules {
				_ = liveB.Reload(ctx)
			}
		})
		waitSubscribed(t, db.Client, a.keys.events())

		svc := rules.NewService(a, rules.Config{})
		draft := rules.Ruleset{Rules: []rules.Rule{{ID: "f", When: `item.category == "shoes"`, Action: rules.Action{Type: rules.ActionFilter}}}}
		if _, err := svc.PutDraft(ctx, "default", draft, "ann"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Publish(ctx, "default", "ann"); err != nil {
			t.Fatal(err)
		}
		took := eventually.True(t, "replica B to serve version 1 after the publish", func() bool { return liveB.Load().Version() == 1 })
		t.Logf("replica B swapped %v after the publish", took)
		if liveA.Load().Version() != 0 {
			t.Error("replica A swapped without a Reload") // only B subscribed
		}
		if r := liveB.Load().Ruleset(); len(r.Rules) != 1 || r.Rules[0].ID != "f" {
			t.Errorf("replica B holds %+v", r)
		}
	})
}

// waitSubscribed waits until someone listens on channel.
func waitSubscribed(t *testing.T, c *redis.Client, channel string) {
	t.Helper()
	eventually.True(t, "a subscriber on "+channel, func() bool { return c.PubSubNumSub(context.Background(), channel).Val()[channel] > 0 })
}
