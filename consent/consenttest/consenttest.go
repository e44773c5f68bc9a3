// Package consenttest is the contract suite every consent.Store must pass;
// redisstore runs it against real Redis and miniredis.
package consenttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// NewStore returns a fresh, empty store for one test.
type NewStore func(t *testing.T) consent.Store

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func service(st consent.Store) *consent.Service {
	return consent.NewService(st, consent.Config{PolicyVersion: 1, Now: func() time.Time { return t0 }})
}

// Run runs the contract suite.
func Run(t *testing.T, newStore NewStore) {
	t.Run("EmptyCustomer", func(t *testing.T) { testEmpty(t, newStore(t)) })
	t.Run("PutGetHistory", func(t *testing.T) { testPutGetHistory(t, newStore(t)) })
	t.Run("IdempotentPut", func(t *testing.T) { testIdempotent(t, newStore(t)) })
	t.Run("HistoryKeepsItsTime", func(t *testing.T) { testHistory(t, newStore(t)) })
	t.Run("StaleETagConflicts", func(t *testing.T) { testStaleETag(t, newStore(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("RandomChangesFoldToState", func(t *testing.T) { testProperty(t, newStore(t)) })
	t.Run("CustomersAreSeparate", func(t *testing.T) { testSeparate(t, newStore(t)) })
}

func mustPut(t *testing.T, svc *consent.Service, id string, ch consent.Change) consent.View {
	t.Helper()
	v, err := svc.Put(context.Background(), id, ch, "", false)
	if err != nil {
		t.Fatalf("Put(%s, %+v): %v", id, ch, err)
	}
	return v
}

func testEmpty(t *testing.T, st consent.Store) {
	recs, head, seq, err := st.Records(context.Background(), "nobody")
	if err != nil || len(recs) != 0 || head != consent.GenesisHash || seq != 0 {
		t.Errorf("Records(nobody) = %v, %q, %d, %v", recs, head, seq, err)
	}
	log, err := st.Log(context.Background(), "nobody")
	if err != nil || len(log) != 0 {
		t.Errorf("Log(nobody) = %v, %v", log, err)
	}
}

func testPutGetHistory(t *testing.T, st consent.Store) {
	svc := service(st)
	v := mustPut(t, svc, "c1", consent.Change{Preset: consent.PresetBasic, Scopes: map[consent.Scope]consent.State{consent.Location: consent.Granted}})
	got, err := svc.Get(context.Background(), "c1", false)
	if err != nil {
		t.Fatal(err)
	}
	if g := got.Decision.Grant().FeatureSets(); fmt.Sprint(g) != "[declared location]" {
		t.Errorf("granted feature sets = %v, want [declared location]", g)
	}
	if got.ETag != v.ETag || got.ETag == consent.GenesisHash {
		t.Errorf("ETag after put %q, on read %q", v.ETag, got.ETag)
	}
	h, err := svc.History(context.Background(), "c1")
	if err != nil || !h.ChainValid || len(h.Entries) != len(v.Changed) {
		t.Fatalf("History = %+v, %v; want %d valid entries", h, err, len(v.Changed))
	}
	if h.Entries[len(h.Entries)-1].Hash != got.ETag || h.Entries[0].Seq != 1 {
		t.Errorf("log head %q != ETag %q, or first seq %d", h.Entries[len(h.Entries)-1].Hash, got.ETag, h.Entries[0].Seq)
	}
}

func testIdempotent(t *testing.T, st consent.Store) {
	svc := service(st)
	ch := consent.Change{Preset: consent.PresetFull}
	first := mustPut(t, svc, "c2", ch)
	second := mustPut(t, svc, "c2", ch)
	if len(second.Changed) != 0 || second.ETag != first.ETag {
		t.Errorf("repeated PUT changed %d records, ETag %q -> %q", len(second.Changed), first.ETag, second.ETag)
	}
	log, _ := st.Log(context.Background(), "c2")
	if len(log) != len(first.Changed) {
		t.Errorf("log has %d entries, want %d", len(log), len(first.Changed))
	}
}

// testHistory: changes with their original times (an imported history)
// are logged with those times, the chain verifies, applying the same
// history again logs nothing, and a time in the future is refused.
func testHistory(t *testing.T, st consent.Store) {
	svc := service(st)
	ctx := context.Background()
	t1, t2 := t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)
	history := []consent.Change{
		{Preset: consent.PresetFull, Source: consent.SourceCMP, Time: t1},
		{Scopes: map[consent.Scope]consent.State{consent.Browsing: consent.Denied}, Source: consent.SourceCMP, Time: t2, PolicyVersion: 1},
	}
	for _, ch := range history {
		mustPut(t, svc, "h1", ch)
	}
	h, err := svc.History(ctx, "h1")
	if err != nil || !h.ChainValid || len(h.Entries) == 0 {
		t.Fatalf("History = %+v, %v", h, err)
	}
	last := h.Entries[len(h.Entries)-1].Record
	if !h.Entries[0].Record.Time.Equal(t1) || last.Scope != consent.Browsing || !last.Time.Equal(t2) || last.Source != consent.SourceCMP {
		t.Errorf("logged %+v ... %+v, want the original times and source", h.Entries[0].Record, last)
	}
	for _, ch := range history {
		if v := mustPut(t, svc, "h1", ch); len(v.Changed) != 0 {
			t.Errorf("history applied again changed %d records", len(v.Changed))
		}
	}
	if again, _ := st.Log(ctx, "h1"); len(again) != len(h.Entries) {
		t.Errorf("log grew from %d to %d entries on the second import", len(h.Entries), len(again))
	}
	_, err = svc.Put(ctx, "h2", consent.Change{Preset: consent.PresetFull, Time: t0.Add(time.Minute)}, "", false)
	if candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("a change in the future: %v, want invalid", err)
	}
}

func testStaleETag(t *testing.T, st consent.Store) {
	svc := service(st)
	v1 := mustPut(t, svc, "c3", consent.Change{Preset: consent.PresetFull})
	mustPut(t, svc, "c3", consent.Change{Preset: consent.PresetNone})
	before, _ := st.Log(context.Background(), "c3")
	_, err := svc.Put(context.Background(), "c3", consent.Change{Preset: consent.PresetBasic}, v1.ETag, false)
	if candor.ErrorCode(err) != candor.EConflict {
		t.Fatalf("stale If-Match: err = %v, want conflict", err)
	}
	after, _ := st.Log(context.Background(), "c3")
	if len(after) != len(before) {
		t.Errorf("a conflicting PUT wrote %d entries", len(after)-len(before))
	}
	cur, _ := svc.Get(context.Background(), "c3", false)
	if _, err := svc.Put(context.Background(), "c3", consent.Change{Preset: consent.PresetBasic}, cur.ETag, false); err != nil {
		t.Errorf("fresh If-Match: %v", err)
	}
	// If-Match: * matches any existing record (RFC 9110), and no absent one
	if _, err := svc.Put(context.Background(), "c3", consent.Change{Preset: consent.PresetFull}, consent.MatchAny, false); err != nil {
		t.Errorf("If-Match: * on an existing record: %v", err)
	}
	if _, err := svc.Put(context.Background(), "c3-none", consent.Change{Preset: consent.PresetFull}, consent.MatchAny, false); candor.ErrorCode(err) != candor.EConflict {
		t.Errorf("If-Match: * without a record: %v, want conflict", err)
	}
	if log, _ := st.Log(context.Background(), "c3-none"); len(log) != 0 {
		t.Errorf("a refused If-Match: * wrote %d entries", len(log))
	}
}

// testConcurrent: 50 conflicting PUTs on one customer; the log's chain must
// verify and the stored state must equal a replay of the log.
func testConcurrent(t *testing.T, st consent.Store) {
	svc := service(st)
	presets := []string{consent.PresetNone, consent.PresetBasic, consent.PresetFull}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := consent.Change{Preset: presets[i%3], Scopes: map[consent.Scope]consent.State{consent.Email: []consent.State{consent.Granted, consent.Denied}[i%2]}}
			if _, err := svc.Put(ctx, "hot", ch, "", false); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Put: %v", err)
	}
	assertLogMatchesState(t, st, "hot")
}

func assertLogMatchesState(t *testing.T, st consent.Store, id string) {
	t.Helper()
	log, err := st.Log(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ok, bad := consent.VerifyChain(log); !ok {
		t.Fatalf("chain broken at entry %d of %d", bad, len(log))
	}
	recs, head, seq, _ := st.Records(context.Background(), id)
	if replay := consent.Replay(log); !reflect.DeepEqual(replay, recs) {
		t.Errorf("stored state != replay of the log:\nstored %v\nreplay %v", recs, replay)
	}
	if len(log) > 0 && (head != log[len(log)-1].Hash || seq != log[len(log)-1].Seq) {
		t.Errorf("head %q seq %d, log ends with %q seq %d", head, seq, log[len(log)-1].Hash, log[len(log)-1].Seq)
	}
}

// testProperty applies random changes and checks after each that the
// effective state equals the fold of the log.
func testProperty(t *testing.T, st consent.Store) {
	rng := rand.New(rand.NewPCG(7, 11))
	now := t0
	svc := consent.NewService(st, consent.Config{PolicyVersion: 1, Now: func() time.Time { return now }})
	for i := 0; i < 60; i++ {
		now = now.Add(time.Duration(rng.IntN(48)) * time.Hour)
		mustPut(t, svc, "prop", randomChange(rng))
		log, _ := st.Log(context.Background(), "prop")
		got, _ := svc.Get(context.Background(), "prop", false)
		want := consent.Evaluate(consent.Replay(log), svc.Request(false))
		if !reflect.DeepEqual(got.Decision, want) {
			t.Fatalf("step %d: effective state differs from the fold of the log", i)
		}
	}
	assertLogMatchesState(t, st, "prop")
}

func randomChange(rng *rand.Rand) consent.Change {
	ch := consent.Change{Scopes: map[consent.Scope]consent.State{}}
	if rng.IntN(2) == 0 {
		ch.Preset = consent.Presets[rng.IntN(len(consent.Presets))]
	}
	for n := rng.IntN(3); n >= 0; n-- {
		s := consent.AllScopes[rng.IntN(len(consent.AllScopes))]
		ch.Scopes[s] = consent.States[rng.IntN(2)]
	}
	ch.Source = consent.Sources[rng.IntN(len(consent.Sources))]
	return ch
}

func testSeparate(t *testing.T, st consent.Store) {
	svc := service(st)
	mustPut(t, svc, "alice", consent.Change{Preset: consent.PresetFull})
	bob, err := svc.Get(context.Background(), "bob", false)
	if err != nil {
		t.Fatal(err)
	}
	if g := bob.Decision.Grant().Scopes(); len(g) != 0 {
		t.Errorf("bob got alice's grants: %v", g)
	}
}
