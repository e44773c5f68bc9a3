package rules_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/rules/rulestest"
)

func newService(t testing.TB) (*rules.Service, *rulestest.MemStore, *time.Time) {
	t.Helper()
	st := rulestest.NewMemStore()
	clock := now
	return rules.NewService(st, rules.Config{Now: func() time.Time { return clock }}), st, &clock
}

func putDraft(t testing.TB, svc *rules.Service, rs ...rules.Rule) {
	t.Helper()
	if _, err := svc.PutDraft(context.Background(), "promo", rules.Ruleset{Rules: rs}, "ann"); err != nil {
		t.Fatalf("PutDraft: %v", err)
	}
}

func publish(t testing.TB, svc *rules.Service, who string) rules.Ruleset {
	t.Helper()
	rs, _, err := svc.Publish(context.Background(), "promo", who)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return rs
}

func TestDraft(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.Draft(ctx, "promo"); candor.ErrorCode(err) != candor.ENotFound {
		t.Errorf("Draft before any: %v, want not_found", err)
	}
	got, err := svc.PutDraft(ctx, "promo", rules.Ruleset{Version: 7, Rules: []rules.Rule{filter("f", `item.price >`)}}, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "promo" || got.Version != 0 || got.Author != "ann" || !got.CreatedAt.Equal(now) {
		t.Errorf("saved draft %+v: want name promo, version 0, author ann, created now", got)
	}
	if _, err := svc.PutDraft(ctx, "promo", rules.Ruleset{Name: "other"}, "ann"); candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("PutDraft with another name: %v, want invalid", err)
	}
	if _, err := svc.PutDraft(ctx, "Bad Name", rules.Ruleset{}, "ann"); candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("PutDraft with a bad name: %v, want invalid", err)
	}
	if _, err := svc.Validate(ctx, "promo"); candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("Validate of a broken draft: %v, want invalid", err)
	}
}

// TestPublishInvalidRefused: the live version stays when the draft is
// invalid, and the error lists the problems.
func TestPublishInvalidRefused(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	putDraft(t, svc, filter("f", `item.category == "shoes"`))
	publish(t, svc, "ann")
	putDraft(t, svc, filter("f", `item.category == `), boost("b", `item.sensitive`, 2))
	_, _, err := svc.Publish(ctx, "promo", "bob")
	var ps rules.Problems
	if candor.ErrorCode(err) != candor.EInvalid || !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("Publish(invalid) = %v; want invalid with 2 problems", err)
	}
	live, err := svc.Live(ctx, "promo")
	if err != nil || live.Version() != 1 {
		t.Errorf("live after refused publish: v%d, %v; want v1", live.Version(), err)
	}
}

// TestPublishRollbackAudit walks versions 1-3 and a rollback, checking
// versions, the live pointer and the audit trail with its diffs.
func TestPublishRollbackAudit(t *testing.T) {
	svc, _, clock := newService(t)
	ctx := context.Background()
	putDraft(t, svc, filter("a", `item.price > 100`), boost("b", `item.brand == "acme"`, 2))
	v1 := publish(t, svc, "ann")
	*clock = clock.Add(time.Hour)
	putDraft(t, svc, boost("b", `item.brand == "zeta"`, 3), filter("c", `item.price < 1`))
	v2 := publish(t, svc, "bob")
	if v1.Version != 1 || v2.Version != 2 || v2.Author != "bob" || !v2.CreatedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("versions %d by %s, %d by %s at %s", v1.Version, v1.Author, v2.Version, v2.Author, v2.CreatedAt)
	}
	if _, err := svc.Rollback(ctx, "promo", 2, "cat"); candor.ErrorCode(err) != candor.EConflict {
		t.Errorf("rollback to the live version: %v, want conflict", err)
	}
	if _, err := svc.Rollback(ctx, "promo", 9, "cat"); candor.ErrorCode(err) != candor.ENotFound {
		t.Errorf("rollback to a missing version: %v, want not_found", err)
	}
	v3, err := svc.Rollback(ctx, "promo", 1, "cat")
	if err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 || !slices.EqualFunc(v3.Rules, v1.Rules, func(a, b rules.Rule) bool { return a.ID == b.ID && a.When == b.When }) {
		t.Errorf("rollback made %+v, want version 3 with version 1's rules", v3)
	}
	live, _ := svc.Live(ctx, "promo")
	if live.Version() != 3 {
		t.Errorf("live version %d after rollback, want 3", live.Version())
	}
	vs, err := svc.Versions(ctx, "promo")
	if err != nil || len(vs) != 3 || vs[0].Version != 3 || !vs[0].Live || vs[1].Live || vs[2].Author != "ann" {
		t.Errorf("Versions = %+v, %v; want 3, 2, 1 with 3 live", vs, err)
	}
	audit, err := svc.Audit(ctx, "promo", 10)
	if err != nil || len(audit) != 3 {
		t.Fatalf("Audit = %+v, %v", audit, err)
	}
	wantDiffs := []struct {
		action, who   string
		version, prev int
		diff          rules.Diff
	}{
		{rules.AuditRollback, "cat", 3, 2, rules.Diff{Added: []string{"a"}, Removed: []string{"c"}, Changed: []rules.RuleChange{{ID: "b", Fields: []string{"when", "action.factor"}}}}},
		{rules.AuditPublish, "bob", 2, 1, rules.Diff{Added: []string{"c"}, Removed: []string{"a"}, Changed: []rules.RuleChange{{ID: "b", Fields: []string{"when", "action.factor"}}}}},
		{rules.AuditPublish, "ann", 1, 0, rules.Diff{Added: []string{"a", "b"}, Removed: []string{}, Changed: []rules.RuleChange{}}},
	}
	for i, w := range wantDiffs {
		g := audit[i]
		if g.Action != w.action || g.Who != w.who || g.Version != w.version || g.Previous != w.prev || !sameDiff(g.Diff, w.diff) {
			t.Errorf("audit[%d] = %+v, want %+v", i, g, w)
		}
	}
	if audit[0].RestoredFrom != 1 {
		t.Errorf("rollback entry restored_from %d, want 1", audit[0].RestoredFrom)
	}
	if other, _ := svc.Audit(ctx, "other", 10); len(other) != 0 {
		t.Errorf("audit of another ruleset: %+v", other)
	}
}

func sameDiff(a, b rules.Diff) bool {
	return slices.Equal(a.Added, b.Added) && slices.Equal(a.Removed, b.Removed) &&
		slices.EqualFunc(a.Changed, b.Changed, func(x, y rules.RuleChange) bool { return x.ID == y.ID && slices.Equal(x.Fields, y.Fields) })
}

// TestLiveReload: a holder serves the empty ruleset until a version is
// published, then swaps on Reload and keeps its version when nothing
// changed.
func TestLiveReload(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := context.Background()
	live := rules.NewLive(st, "promo", nil)
	if err := live.Reload(ctx); err != nil || live.Load().Version() != 0 {
		t.Fatalf("before any publish: v%d, %v", live.Load().Version(), err)
	}
	putDraft(t, svc, filter("f", `item.category == "shoes"`))
	publish(t, svc, "ann")
	before := live.Load()
	if err := live.Reload(ctx); err != nil || live.Load().Version() != 1 {
		t.Fatalf("after publish: v%d, %v", live.Load().Version(), err)
	}
	if before.Version() != 0 || len(before.Apply(home(), candidates(t)).Candidates) != 6 {
		t.Error("the version held before the swap changed")
	}
	got := live.Load()
	if err := live.Reload(ctx); err != nil || live.Load() != got {
		t.Errorf("Reload without a new version swapped: %v", err)
	}
	if n := len(got.Apply(home(), candidates(t)).Candidates); n != 4 {
		t.Errorf("live v1 left %d candidates, want 4", n)
	}
}

// TestWarm: warming computes facts ahead and changes no result.
func TestWarm(t *testing.T) {
	_, st, _ := newService(t)
	live := rules.NewLive(st, "promo", func() *catalog.Snapshot { return shop })
	c := compile(t, boost("b", `item.category == "shoes"`, 2))
	c.Warm(shop)
	live.Warm()
	if got := ids(c.Apply(home(), candidates(t)).Candidates); !slices.Equal(got, []string{"shoe1", "shoe2", "shirt1", "shirt2", "book1", "vit1"}) {
		t.Errorf("after Warm: %v", got)
	}
}

// A pin of an item the catalog does not hold is valid (the item may come)
// but says it places nothing until then.
func TestPinOfAMissingItemWarns(t *testing.T) {
	svc := rules.NewService(rulestest.NewMemStore(), rules.Config{Now: func() time.Time { return now }, Exists: func(id string) bool { return id == "p1" }})
	putDraft(t, svc,
		rules.Rule{ID: "here", Action: rules.Action{Type: rules.ActionPin, Slot: 1, ItemID: "p1"}},
		rules.Rule{ID: "gone", Action: rules.Action{Type: rules.ActionPin, Slot: 2, ItemID: "p-nonexist"}},
		rules.Rule{ID: "best", When: `item.price > 0`, Action: rules.Action{Type: rules.ActionPin, Slot: 3}})
	_, ws, err := svc.CheckDraft(context.Background(), "promo")
	if err != nil {
		t.Fatal(err)
	}
	want := []rules.Warning{{RuleID: "gone", Message: `item "p-nonexist" is not in the catalog, so the pin places nothing until it is added and a model is trained with it`}}
	if !slices.Equal(ws, want) {
		t.Errorf("warnings %+v, want %+v", ws, want)
	}
}
