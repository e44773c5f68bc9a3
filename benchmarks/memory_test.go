package benchmarks

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// BenchmarkMemoryPerCustomer measures the Redis memory one typical
// customer takes, for sizing: the consent hash and its hash-chained log
// after the "full" preset, 50 browsing and 10 purchase items (item IDs
// like p-012345). It starts its own redis-server (no persistence) so
// nothing else shares used_memory, writes b.N customers and reports
// used_memory growth per customer and per million customers. Run with
//
//	go test -run '^$' -bench MemoryPerCustomer -benchtime 20000x ./benchmarks/
func BenchmarkMemoryPerCustomer(b *testing.B) {
	srv := redistest.StartServer(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	st := redisstore.New(rdb, "candor")
	cs := consent.NewService(st, consent.Config{PolicyVersion: 1})
	ctx := context.Background()
	before := usedMemory(b, rdb)
	i := 0
	for b.Loop() {
		writeCustomer(b, ctx, st, cs, i)
		i++
	}
	b.StopTimer()
	perCustomer := float64(usedMemory(b, rdb)-before) / float64(b.N)
	b.ReportMetric(perCustomer, "bytes/customer")
	b.ReportMetric(perCustomer*1e6/(1<<30), "GiB/million")
}

func writeCustomer(b *testing.B, ctx context.Context, st *redisstore.Store, cs *consent.Service, i int) {
	id := fmt.Sprintf("c-%07d", i)
	if _, err := cs.Put(ctx, id, consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	evs := make([]features.Routed, 0, 60)
	for j := range 60 {
		set := consent.Browsing
		if j >= 50 {
			set = consent.Purchases
		}
		item := fmt.Sprintf("p-%06d", (i*7919+j*104729)%200000)
		evs = append(evs, features.Routed{CustomerID: id, Set: set, Member: item, Time: now.Add(-time.Duration(j) * time.Hour)})
	}
	if _, err := st.Ingest(ctx, evs, cs.Request(false), features.DefaultRetention()); err != nil {
		b.Fatal(err)
	}
}

func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("INFO memory has no used_memory")
	return 0
}
