package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
)

// TestUnpackShownReadsTheScriptsAnswer: decision_append.lua answers
// written + 2·(from + 1) + 2·2²²·(to + 1); unpackShown takes it apart for
// every combination the script can give, up to hours far beyond today's.
func TestUnpackShownReadsTheScriptsAnswer(t *testing.T) {
	hours := []int64{-1, 0, 1, 495_000, shownBase - 2}
	for _, w := range []int64{0, 1} {
		for _, from := range hours {
			for _, to := range hours {
				n := w + 2*(from+1) + 2*shownBase*(to+1) // as the script computes it
				gw, gf, gt := unpackShown(n)
				if gw != (w == 1) || gf != from || gt != to {
					t.Errorf("unpackShown(%d) = %v, %d, %d; want %v, %d, %d", n, gw, gf, gt, w == 1, from, to)
				}
			}
		}
	}
}

// TestHotScriptsRunAfterRedisForgetsThem: the gated read and the decision
// append, sent without go-redis's Script, still work when Redis has lost
// its script cache (a restart, SCRIPT FLUSH): the read falls back to EVAL,
// the writer loads the scripts and sends its batch again. On a private
// Redis and on miniredis, never a shared one (SCRIPT FLUSH is
// server-wide).
func TestHotScriptsRunAfterRedisForgetsThem(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) redis.UniversalClient{
		"miniredis": func(t *testing.T) redis.UniversalClient { return redistest.NewMini(t).Client },
		"redis": func(t *testing.T) redis.UniversalClient {
			c := redis.NewClient(&redis.Options{Addr: redistest.StartServer(t).Addr()})
			t.Cleanup(func() { _ = c.Close() })
			return c
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := open(t)
			st := New(c, "hot")
			cs := consent.NewService(st, consent.Config{PolicyVersion: 1})
			if _, err := cs.Put(ctx, "h1", consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
				t.Fatal(err)
			}
			evs := []features.Routed{{CustomerID: "h1", Set: consent.Browsing, Member: "b", Time: time.Now()}}
			if _, err := st.Ingest(ctx, evs, cs.Request(false), features.DefaultRetention()); err != nil {
				t.Fatal(err)
			}
			if err := c.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			s, err := st.ReadState(ctx, "h1", cs.Request(false), features.ReadOptions{Recent: 10})
			if err != nil || len(s.Interactions[consent.Browsing]) != 1 {
				t.Fatalf("ReadState after SCRIPT FLUSH: %+v, %v", s, err)
			}
			if err := c.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{shownRecord(t, "d1", "h1", time.Now(), true)}, recommend.Retention{}); err != nil {
				t.Fatalf("AppendDecisions after SCRIPT FLUSH: %v", err)
			}
			if got, err := st.Decision(ctx, "h1", "d1"); err != nil || got.ID != "d1" {
				t.Fatalf("the decision appended after SCRIPT FLUSH: %+v, %v", got, err)
			}
			if err := c.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if all, err := st.Decisions(ctx, "h1"); err != nil || len(all) != 1 || all[0].ID != "d1" {
				t.Fatalf("the export's read after SCRIPT FLUSH: %+v, %v", all, err)
			}
		})
	}
}
