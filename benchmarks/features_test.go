package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

func seedItems(b *testing.B, s *stack, n int) {
	b.Helper()
	items := make([]catalog.Item, n)
	for i := range items {
		items[i] = catalog.Item{ID: fmt.Sprintf("i%d", i), Title: "Item", Category: []string{"c"}, Available: true}
	}
	for i := 0; i < n; i += 1000 {
		if err := s.store.PutItems(context.Background(), items[i:min(i+1000, n)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.catalog.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIngestHTTP posts batches of 1,000 events (500 customers, all with
// full consent) through POST /v1/events from 4 concurrent clients and
// reports events/s.
func BenchmarkIngestHTTP(b *testing.B) {
	s := newStack(b)
	ctx := context.Background()
	seedItems(b, s, 2000)
	for c := 0; c < 500; c++ {
		_, _ = s.consent.Put(ctx, fmt.Sprintf("c%d", c), consent.Change{Preset: consent.PresetFull}, "", false)
	}
	bodies := make([][]byte, 16)
	for k := range bodies {
		var buf bytes.Buffer
		buf.WriteString("[")
		for e := 0; e < 1000; e++ {
			if e > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(&buf, `{"customer_id":"c%d","type":"view","item_id":"i%d"}`, (k*1000+e)%500, (k*7919+e*31)%2000)
		}
		buf.WriteString("]")
		bodies[k] = buf.Bytes()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var events atomic.Int64
	start := time.Now()
	b.SetParallelism(2)
	b.RunParallel(func(pb *testing.PB) {
		k := 0
		for pb.Next() {
			req, _ := http.NewRequest("POST", s.ts.URL+"/v1/events", bytes.NewReader(bodies[k%len(bodies)]))
			req.Header.Set("Authorization", "Bearer "+s.siteKey)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			events.Add(1000)
			k++
		}
	})
	b.ReportMetric(float64(events.Load())/time.Since(start).Seconds(), "events/s")
}

// gatedFixture: a customer with n items in each of 3 granted sets.
func gatedFixture(b *testing.B, n int) (*stack, consent.Request) {
	s := newStack(b)
	ctx := context.Background()
	_, _ = s.consent.Put(ctx, "g", consent.Change{Preset: consent.PresetFull, Scopes: map[consent.Scope]consent.State{consent.Sensitive: consent.Granted}}, "", false)
	req := s.consent.Request(false)
	var evs []features.Routed
	for _, set := range []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive} {
		for i := 0; i < n; i++ {
			evs = append(evs, features.Routed{CustomerID: "g", Set: set, Member: fmt.Sprintf("%s-%d", set, i), Time: time.Now().Add(-time.Duration(i) * time.Minute)})
		}
	}
	if _, err := s.store.Ingest(ctx, evs, req, features.DefaultRetention()); err != nil {
		b.Fatal(err)
	}
	return s, req
}

// BenchmarkGatedRead is the consent-gated read of one customer as the
// scorer asks for it (the 500 most recent items of each set), at history
// 50 and 500 per interaction set, through the sets' packed copies (as
// ingest leaves them) and without them (the sets themselves, as before
// the copies; also what a set whose copy was deleted costs until its next
// event). On real Redis it reports the server's CPU per read
// (redis-µs/op, from INFO commandstats), which a busy client machine does
// not move.
func BenchmarkGatedRead(b *testing.B) {
	for _, n := range []int{50, 500} {
		for _, copies := range []bool{true, false} {
			b.Run(fmt.Sprintf("history=%d/packed=%v", n, copies), func(b *testing.B) {
				s, req := gatedFixture(b, n)
				ctx := context.Background()
				if !copies {
					for _, set := range []string{"browsing", "purchases", "sensitive"} {
						s.db.Client.Del(ctx, s.db.Namespace+":{c:g}:fs:"+set+":p")
					}
				}
				before := evalUsec(b, s)
				lat := make([]time.Duration, 0, 1<<16)
				for b.Loop() {
					t := time.Now()
					st, err := s.store.ReadState(ctx, "g", req, features.ReadOptions{Recent: 500})
					if err != nil || len(st.Interactions) != 3 || len(st.Interactions[consent.Browsing]) != n {
						b.Fatalf("%v %d", err, len(st.Interactions))
					}
					lat = append(lat, time.Since(t))
				}
				if after := evalUsec(b, s); after >= 0 && before >= 0 {
					b.ReportMetric((after-before)/float64(len(lat)), "redis-µs/op")
				}
				percentiles(b, lat)
			})
		}
	}
}

// evalUsec is the Redis server's total µs in EVALSHA so far, or -1 where
// it does not say (miniredis).
func evalUsec(b *testing.B, s *stack) float64 {
	b.Helper()
	info, err := s.db.Client.Info(context.Background(), "commandstats").Result()
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_evalsha:"); ok {
			for _, f := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(f, "usec="); ok {
					u, _ := strconv.ParseFloat(v, 64)
					return u
				}
			}
		}
	}
	return -1
}

// BenchmarkPlainPipelinedRead reads the same keys with no consent check:
// the baseline the gated read is compared with.
func BenchmarkPlainPipelinedRead(b *testing.B) {
	s, _ := gatedFixture(b, 200)
	ctx := context.Background()
	ns := s.db.Namespace + ":{c:g}"
	var mu sync.Mutex
	lat := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		t := time.Now()
		_, err := s.db.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HGetAll(ctx, ns+":consent")
			for _, set := range []string{"browsing", "purchases", "sensitive"} {
				p.ZRangeWithScores(ctx, ns+":fs:"+set, 0, -1)
			}
			p.HGetAll(ctx, ns+":fs:declared")
			p.HGetAll(ctx, ns+":feedback")
			p.ZRangeWithScores(ctx, ns+":contacts", 0, -1)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		lat = append(lat, time.Since(t))
		mu.Unlock()
	}
	percentiles(b, lat)
}
