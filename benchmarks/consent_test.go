package benchmarks

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
)

// BenchmarkConsentWrite measures consent changes per second: each op flips
// one customer between presets, so every op writes records and log entries.
func BenchmarkConsentWrite(b *testing.B) {
	s := newStack(b)
	ctx := context.Background()
	var n atomic.Int64
	presets := []string{consent.PresetFull, consent.PresetNone}
	start := time.Now()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			id := fmt.Sprintf("w%d", i%1000)
			if _, err := s.consent.Put(ctx, id, consent.Change{Preset: presets[(i/1000)%2]}, "", false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "writes/s")
}

// BenchmarkConsentRead measures one evaluated consent read (GET path
// without HTTP) and reports its p50/p99.
func BenchmarkConsentRead(b *testing.B) {
	s := newStack(b)
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		_, _ = s.consent.Put(ctx, fmt.Sprintf("r%d", i), consent.Change{Preset: consent.PresetFull}, "", false)
	}
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		t := time.Now()
		if _, err := s.consent.Get(ctx, fmt.Sprintf("r%d", i%100), false); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		i++
	}
	percentiles(b, lat)
}
