// Package rulestest is the contract suite every rules.Store must pass
// (redisstore runs it against real Redis and miniredis), and MemStore, an
// in-process store that passes it too.
package rulestest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/rules"
)

// NewStore returns a fresh, empty store for one test.
type NewStore func(t *testing.T) rules.Store

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// Run runs the contract suite.
func Run(t *testing.T, newStore NewStore) {
	t.Run("DraftRoundTrip", func(t *testing.T) { testDraft(t, newStore(t)) })
	t.Run("PublishMakesLive", func(t *testing.T) { testPublish(t, newStore(t)) })
	t.Run("PublishOutOfOrderConflicts", func(t *testing.T) { testConflict(t, newStore(t)) })
	t.Run("ConcurrentPublishOneWins", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("AuditNewestFirst", func(t *testing.T) { testAudit(t, newStore(t)) })
	t.Run("NamesAreSeparate", func(t *testing.T) { testSeparate(t, newStore(t)) })
}

// Ruleset returns a small valid ruleset named name at version v.
func Ruleset(name string, v int, ids ...string) rules.Ruleset {
	rs := rules.Ruleset{Name: name, Version: v, Author: "tester", CreatedAt: t0.Add(time.Duration(v) * time.Minute), Rules: []rules.Rule{}}
	for _, id := range ids {
		rs.Rules = append(rs.Rules, rules.Rule{ID: id, When: `item.brand == "` + id + `"`, Placements: []string{"home"},
			Action: rules.Action{Type: rules.ActionBoost, Factor: 1.5}})
	}
	return rs
}

func entry(rs rules.Ruleset) rules.AuditEntry {
	return rules.AuditEntry{Time: rs.CreatedAt, Who: rs.Author, Action: rules.AuditPublish, Ruleset: rs.Name,
		Version: rs.Version, Previous: rs.Version - 1, Diff: rules.Diff{Added: []string{"a"}, Removed: []string{}, Changed: []rules.RuleChange{{ID: "b", Fields: []string{"when"}}}}}
}

func mustPublish(t *testing.T, st rules.Store, rs rules.Ruleset) {
	t.Helper()
	if err := st.PublishRuleset(context.Background(), rs, entry(rs)); err != nil {
		t.Fatalf("PublishRuleset(%s v%d): %v", rs.Name, rs.Version, err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := candor.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func testDraft(t *testing.T, st rules.Store) {
	ctx := context.Background()
	_, err := st.RulesetDraft(ctx, "promo")
	wantCode(t, "draft before any", err, candor.ENotFound)
	d := Ruleset("promo", 0, "a", "b")
	if err := st.PutRulesetDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := st.RulesetDraft(ctx, "promo")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "draft", got, d)
	d2 := Ruleset("promo", 0, "c")
	if err := st.PutRulesetDraft(ctx, d2); err != nil {
		t.Fatal(err)
	}
	got, _ = st.RulesetDraft(ctx, "promo")
	same(t, "replaced draft", got, d2)
	_, err = st.LiveRuleset(ctx, "promo")
	wantCode(t, "live after draft only", err, candor.ENotFound)
}

func testPublish(t *testing.T, st rules.Store) {
	ctx := context.Background()
	_, err := st.LiveRuleset(ctx, "promo")
	wantCode(t, "live before any", err, candor.ENotFound)
	v1, v2 := Ruleset("promo", 1, "a"), Ruleset("promo", 2, "a", "b")
	mustPublish(t, st, v1)
	live, err := st.LiveRuleset(ctx, "promo")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "live after v1", live, v1)
	mustPublish(t, st, v2)
	live, _ = st.LiveRuleset(ctx, "promo")
	same(t, "live after v2", live, v2)
	got, err := st.RulesetVersion(ctx, "promo", 1)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "version 1 after v2", got, v1)
	for _, n := range []int{0, 3, -1} {
		_, err := st.RulesetVersion(ctx, "promo", n)
		wantCode(t, "missing version", err, candor.ENotFound)
	}
	vs, err := st.RulesetVersions(ctx, "promo")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "versions", vs, []rules.Ruleset{v1, v2})
	if err := st.PutRulesetDraft(ctx, Ruleset("promo", 0, "z")); err != nil {
		t.Fatal(err)
	}
	live, _ = st.LiveRuleset(ctx, "promo")
	same(t, "live after a draft edit", live, v2)
}

func testConflict(t *testing.T, st rules.Store) {
	ctx := context.Background()
	err := st.PublishRuleset(ctx, Ruleset("promo", 2, "a"), entry(Ruleset("promo", 2)))
	wantCode(t, "publishing v2 first", err, candor.EConflict)
	mustPublish(t, st, Ruleset("promo", 1, "a"))
	err = st.PublishRuleset(ctx, Ruleset("promo", 1, "b"), entry(Ruleset("promo", 1)))
	wantCode(t, "publishing v1 twice", err, candor.EConflict)
	live, _ := st.LiveRuleset(ctx, "promo")
	same(t, "live after conflicts", live, Ruleset("promo", 1, "a"))
	if a, _ := st.RulesAudit(ctx, 10); len(a) != 1 {
		t.Errorf("audit after conflicts has %d entries, want 1", len(a))
	}
}

func testConcurrent(t *testing.T, st rules.Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			rs := Ruleset("promo", 1, string(rune('a'+i)))
			errs[i] = st.PublishRuleset(ctx, rs, entry(rs))
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
	vs, _ := st.RulesetVersions(ctx, "promo")
	if won != 1 || len(vs) != 1 {
		t.Errorf("%d publishes of version 1 won and %d versions exist, want 1 and 1", won, len(vs))
	}
}

func testAudit(t *testing.T, st rules.Store) {
	ctx := context.Background()
	if a, err := st.RulesAudit(ctx, 10); err != nil || len(a) != 0 {
		t.Fatalf("empty audit = %v, %v", a, err)
	}
	for v := 1; v <= 3; v++ {
		mustPublish(t, st, Ruleset("promo", v, "a"))
	}
	got, err := st.RulesAudit(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Version != 3 || got[1].Version != 2 {
		t.Fatalf("RulesAudit(2) versions = %v, want [3 2]", versions(got))
	}
	if got[0].ID == "" || got[0].ID == got[1].ID {
		t.Errorf("audit IDs %q, %q: want set and distinct", got[0].ID, got[1].ID)
	}
	want := entry(Ruleset("promo", 3, "a"))
	want.ID = got[0].ID
	same(t, "newest audit entry", got[0], want)
}

func versions(es []rules.AuditEntry) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Version
	}
	return out
}

func testSeparate(t *testing.T, st rules.Store) {
	ctx := context.Background()
	mustPublish(t, st, Ruleset("promo", 1, "a"))
	mustPublish(t, st, Ruleset("promo-2", 1, "b"))
	mustPublish(t, st, Ruleset("promo", 2, "c"))
	a, _ := st.LiveRuleset(ctx, "promo")
	b, _ := st.LiveRuleset(ctx, "promo-2")
	if a.Version != 2 || b.Version != 1 || b.Rules[0].ID != "b" {
		t.Errorf("live promo v%d, promo-2 v%d %v: want v2 and v1 [b]", a.Version, b.Version, b.Rules)
	}
	if err := st.PutRulesetDraft(ctx, Ruleset("promo", 0, "x")); err != nil {
		t.Fatal(err)
	}
	_, err := st.RulesetDraft(ctx, "promo-2")
	wantCode(t, "other name's draft", err, candor.ENotFound)
}
