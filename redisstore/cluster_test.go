package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/consent/consenttest"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/trust"
	"github.com/candorhq/candor/versioned"
	"github.com/candorhq/candor/versioned/versionedtest"
)

// TestStoreOnCluster holds the store to its contracts on a real
// three-master Redis Cluster: every script and MULTI must touch one hash
// slot only (CROSSSLOT otherwise), and scans must cover every master.
func TestStoreOnCluster(t *testing.T) {
	c := redistest.Cluster(t)
	var n atomic.Int64
	fresh := func() *Store { return New(c.Client, fmt.Sprintf("%s-%d", c.Namespace, n.Add(1))) }
	t.Run("consent", func(t *testing.T) {
		consenttest.Run(t, func(t *testing.T) consent.Store { return fresh() })
	})
	t.Run("documents", func(t *testing.T) {
		versionedtest.Run(t, func(t *testing.T) versioned.Store { return fresh() })
	})
	t.Run("actions", func(t *testing.T) {
		svc := actions.NewService(fresh(), nil)
		mustPut(t, svc, testCatalog("a", "b"))
		if _, err := svc.Publish(context.Background(), "ann"); err != nil {
			t.Fatalf("publish on a cluster: %v", err)
		}
	})
	t.Run("models", func(t *testing.T) {
		st := fresh()
		ctx := context.Background()
		if err := st.PutModel(ctx, recommend.ModelInfo{Version: "v1"}, []byte("artifact")); err != nil {
			t.Fatalf("PutModel on a cluster: %v", err)
		}
		if err := st.SetLiveModel(ctx, "v1"); err != nil {
			t.Fatal(err)
		}
		if v, b, err := st.LiveModel(ctx); err != nil || v != "v1" || string(b) != "artifact" {
			t.Errorf("LiveModel = %q %q %v", v, b, err)
		}
	})
	t.Run("customers", func(t *testing.T) { testCustomersOnCluster(t, fresh()) })
}

// testCustomersOnCluster writes customers spread over every master, scans
// them all back through the gate, and erases one.
func testCustomersOnCluster(t *testing.T, st *Store) {
	ctx := context.Background()
	cs := consent.NewService(st, consent.Config{PolicyVersion: 1})
	const customers = 60
	for i := range customers {
		id := fmt.Sprintf("k%d", i)
		ch := consent.Change{Preset: consent.PresetFull}
		if i%2 == 1 {
			ch = consent.Change{Scopes: map[consent.Scope]consent.State{consent.Browsing: consent.Granted}}
		}
		if _, err := cs.Put(ctx, id, ch, "", false); err != nil {
			t.Fatal(err)
		}
		evs := []features.Routed{{CustomerID: id, Set: consent.Browsing, Member: "b", Time: time.Now()},
			{CustomerID: id, Set: consent.Purchases, Member: "p", Time: time.Now()}}
		if _, err := st.Ingest(ctx, evs, cs.Request(false), features.DefaultRetention()); err != nil {
			t.Fatalf("Ingest on a cluster: %v", err)
		}
	}
	seen, purchases := 0, 0
	err := st.ScanStates(ctx, cs.Request(false), func(s *features.State) error {
		seen++
		if len(s.Interactions[consent.Purchases]) > 0 {
			purchases++
		}
		return nil
	})
	if err != nil || seen != customers || purchases != customers/2 {
		t.Errorf("ScanStates on a cluster: err %v, seen %d of %d, %d with purchases (want %d)", err, seen, customers, purchases, customers/2)
	}
	for i := range customers { // one EVALSHA each, routed by its first key
		s, err := st.ReadState(ctx, fmt.Sprintf("k%d", i), cs.Request(false), features.ReadOptions{Recent: 10})
		if err != nil || len(s.Interactions[consent.Browsing]) != 1 || len(s.Interactions[consent.Purchases]) != 1-i%2 {
			t.Fatalf("ReadState of k%d on a cluster: %+v, %v", i, s, err)
		}
	}
	if _, err := st.Export(ctx, "k0"); err != nil {
		t.Errorf("Export on a cluster: %v", err)
	}
	shown := []recommend.DecisionRecord{shownRecord(t, "d0", "k0", time.Now(), true), shownRecord(t, "d1", "k1", time.Now(), true)}
	if err := st.AppendDecisions(ctx, shown, recommend.Retention{}); err != nil {
		t.Fatalf("AppendDecisions on a cluster: %v", err)
	}
	counts := trust.NewCounter(st, nil)
	if cs, err := counts.Customers(ctx); err != nil || cs.Levels["full"] != customers/2 || cs.Levels["partial"] != customers/2 || cs.Shown != 2 {
		t.Errorf("counts of customers on a cluster: %+v, %v", cs, err)
	}
	if _, err := st.Erase(ctx, "k0", time.Now()); err != nil {
		t.Fatalf("Erase on a cluster: %v", err)
	}
	if cs, err := counts.Customers(ctx); err != nil || cs.Levels["full"] != customers/2-1 || cs.Shown != 1 || st.CountsFailed() != 0 {
		t.Errorf("counts of customers after an erasure on a cluster: %+v, %v (%d moves lost)", cs, err, st.CountsFailed())
	}
	if r, err := st.RecountLevels(ctx); err != nil || r.Fixed != 0 || r.Levels["full"] != customers/2-1 || r.Levels["partial"] != customers/2 {
		t.Errorf("recount on a cluster: %+v, %v", r, err)
	}
	if _, err := st.Erased(ctx, "k0"); err != nil {
		t.Errorf("no erasure receipt: %v", err)
	}
	var left []string
	_ = st.scanKeys(ctx, st.keys.customerPattern("k0"), func(k string) error { left = append(left, k); return nil })
	if len(left) != 0 {
		t.Errorf("keys left after erasure: %v", left)
	}
}
