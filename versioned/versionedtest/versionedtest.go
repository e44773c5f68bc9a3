// Package versionedtest is the contract suite every versioned.Store must
// pass (redisstore runs it against real Redis, miniredis and a cluster),
// and MemStore, an in-process store that passes it too.
package versionedtest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

// NewStore returns a fresh, empty store for one test.
type NewStore func(t *testing.T) versioned.Store

var (
	promo   = versioned.Ref{Kind: "rules", Name: "promo"}
	promo2  = versioned.Ref{Kind: "rules", Name: "promo-2"}
	catalog = versioned.Ref{Kind: "actions"}
)

// Run runs the contract suite.
func Run(t *testing.T, newStore NewStore) {
	t.Run("DraftRoundTrip", func(t *testing.T) { testDraft(t, newStore(t)) })
	t.Run("PublishMakesLive", func(t *testing.T) { testPublish(t, newStore(t)) })
	t.Run("PublishOutOfOrderConflicts", func(t *testing.T) { testConflict(t, newStore(t)) })
	t.Run("ConcurrentPublishOneWins", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("AuditNewestFirst", func(t *testing.T) { testAudit(t, newStore(t)) })
	t.Run("DocumentsAreSeparate", func(t *testing.T) { testSeparate(t, newStore(t)) })
}

// doc returns a small JSON document that names d and version v.
func doc(d versioned.Ref, v int) []byte {
	return fmt.Appendf(nil, `{"kind":%q,"name":%q,"version":%d}`, d.Kind, d.Name, v)
}

func entry(d versioned.Ref, v int) []byte {
	return fmt.Appendf(nil, `{"doc":%q,"version":%d}`, d.Kind+"/"+d.Name, v)
}

func mustPublish(t *testing.T, st versioned.Store, d versioned.Ref, v int) {
	t.Helper()
	if err := st.PublishDoc(context.Background(), d, v, doc(d, v), entry(d, v)); err != nil {
		t.Fatalf("Publish(%v v%d): %v", d, v, err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := candor.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func same(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func testDraft(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	_, err := st.DocDraft(ctx, promo)
	wantCode(t, "draft before any", err, candor.ENotFound)
	if err := st.PutDocDraft(ctx, promo, doc(promo, 0)); err != nil {
		t.Fatal(err)
	}
	got, err := st.DocDraft(ctx, promo)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "draft", got, doc(promo, 0))
	if err := st.PutDocDraft(ctx, promo, []byte(`{"replaced":true}`)); err != nil {
		t.Fatal(err)
	}
	got, _ = st.DocDraft(ctx, promo)
	same(t, "replaced draft", got, []byte(`{"replaced":true}`))
	_, err = st.LiveDoc(ctx, promo)
	wantCode(t, "live after draft only", err, candor.ENotFound)
}

func testPublish(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	_, err := st.LiveDoc(ctx, promo)
	wantCode(t, "live before any", err, candor.ENotFound)
	mustPublish(t, st, promo, 1)
	live, err := st.LiveDoc(ctx, promo)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "live after v1", live, doc(promo, 1))
	mustPublish(t, st, promo, 2)
	live, _ = st.LiveDoc(ctx, promo)
	same(t, "live after v2", live, doc(promo, 2))
	got, err := st.DocVersion(ctx, promo, 1)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "version 1 after v2", got, doc(promo, 1))
	for _, n := range []int{0, 3, -1} {
		_, err := st.DocVersion(ctx, promo, n)
		wantCode(t, fmt.Sprintf("version %d", n), err, candor.ENotFound)
	}
	vs, err := st.DocVersions(ctx, promo)
	if err != nil || len(vs) != 2 {
		t.Fatalf("Versions = %d, %v; want 2", len(vs), err)
	}
	same(t, "versions[0]", vs[0], doc(promo, 1))
	same(t, "versions[1]", vs[1], doc(promo, 2))
	if err := st.PutDocDraft(ctx, promo, doc(promo, 0)); err != nil {
		t.Fatal(err)
	}
	live, _ = st.LiveDoc(ctx, promo)
	same(t, "live after a draft edit", live, doc(promo, 2))
}

func testConflict(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	err := st.PublishDoc(ctx, promo, 2, doc(promo, 2), entry(promo, 2))
	wantCode(t, "publishing v2 first", err, candor.EConflict)
	mustPublish(t, st, promo, 1)
	err = st.PublishDoc(ctx, promo, 1, []byte(`{"other":1}`), entry(promo, 1))
	wantCode(t, "publishing v1 twice", err, candor.EConflict)
	live, _ := st.LiveDoc(ctx, promo)
	same(t, "live after conflicts", live, doc(promo, 1))
	if a, _ := st.DocAudit(ctx, promo, 10); len(a) != 1 {
		t.Errorf("audit after conflicts has %d entries, want 1", len(a))
	}
}

func testConcurrent(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = st.PublishDoc(ctx, catalog, 1, fmt.Appendf(nil, `{"writer":%d}`, i), entry(catalog, 1))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch candor.ErrorCode(err) {
		case "":
			won++
		case candor.EConflict:
		default:
			t.Errorf("concurrent publish: %v", err)
		}
	}
	vs, _ := st.DocVersions(ctx, catalog)
	if won != 1 || len(vs) != 1 {
		t.Errorf("%d publishes of version 1 won and %d versions exist, want 1 and 1", won, len(vs))
	}
}

func testAudit(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	if a, err := st.DocAudit(ctx, promo, 10); err != nil || len(a) != 0 {
		t.Fatalf("empty audit = %v, %v", a, err)
	}
	for v := 1; v <= 3; v++ {
		mustPublish(t, st, promo, v)
	}
	got, err := st.DocAudit(ctx, promo, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Audit(2) has %d entries, want 2", len(got))
	}
	same(t, "newest entry", got[0].Entry, entry(promo, 3))
	same(t, "second entry", got[1].Entry, entry(promo, 2))
	if got[0].ID == "" || got[0].ID == got[1].ID {
		t.Errorf("audit IDs %q, %q: want set and distinct", got[0].ID, got[1].ID)
	}
}

func testSeparate(t *testing.T, st versioned.Store) {
	ctx := context.Background()
	mustPublish(t, st, promo, 1)
	mustPublish(t, st, promo2, 1)
	mustPublish(t, st, catalog, 1)
	mustPublish(t, st, promo, 2)
	for _, tt := range []struct {
		doc  versioned.Ref
		want []byte
	}{{promo, doc(promo, 2)}, {promo2, doc(promo2, 1)}, {catalog, doc(catalog, 1)}} {
		got, err := st.LiveDoc(ctx, tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		same(t, fmt.Sprintf("live %v", tt.doc), got, tt.want)
	}
	if err := st.PutDocDraft(ctx, promo, doc(promo, 0)); err != nil {
		t.Fatal(err)
	}
	_, err := st.DocDraft(ctx, promo2)
	wantCode(t, "other name's draft", err, candor.ENotFound)
	_, err = st.DocDraft(ctx, catalog)
	wantCode(t, "other kind's draft", err, candor.ENotFound)
	for _, tt := range []struct {
		doc  versioned.Ref
		want [][]byte
	}{
		{versioned.Ref{Kind: "rules"}, [][]byte{entry(promo, 2), entry(promo2, 1), entry(promo, 1)}},
		{promo, [][]byte{entry(promo, 2), entry(promo, 1)}},
		{promo2, [][]byte{entry(promo2, 1)}},
		{catalog, [][]byte{entry(catalog, 1)}},
	} {
		got, err := st.DocAudit(ctx, tt.doc, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Errorf("Audit(%v) has %d entries, want %d", tt.doc, len(got), len(tt.want))
			continue
		}
		for i := range got {
			same(t, fmt.Sprintf("Audit(%v)[%d]", tt.doc, i), got[i].Entry, tt.want[i])
		}
	}
}
