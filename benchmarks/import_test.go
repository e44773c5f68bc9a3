package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/importer"
)

// BenchmarkImportEvents imports a JSON Lines file of 200,000 events (time
// order, so customers interleave as in a shop's export) of 5,000 customers
// with full consent over 2,000 items, through the importer and the
// collection gate as `candor import events` does, and reports events/s.
// Each iteration imports new event IDs, so every event is stored.
func BenchmarkImportEvents(b *testing.B) {
	const events, customers = 200_000, 5_000
	s := newStack(b)
	ctx := context.Background()
	seedItems(b, s, 2000)
	for c := range customers {
		if _, err := s.consent.Put(ctx, fmt.Sprintf("c%d", c), consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
			b.Fatal(err)
		}
	}
	im := importer.New(importer.Deps{Items: s.store, Catalog: s.catalog.Load, ReloadCatalog: s.catalog.Reload, Consent: s.consent, Events: s.features})
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{"view", "view", "view", "view", "add_to_cart", "purchase", "click"}
	t0 := time.Now().Add(-30 * 24 * time.Hour)
	run := 0
	total := 0
	var took time.Duration
	for b.Loop() {
		b.StopTimer()
		var buf bytes.Buffer
		for e := range events {
			fmt.Fprintf(&buf, `{"event_id":"r%d-e%d","customer":"c%d","type":"%s","item":"i%d","time":"%s"}`+"\n", run, e, rng.IntN(customers),
				types[rng.IntN(len(types))], rng.IntN(2000), t0.Add(time.Duration(e)*10*time.Second).UTC().Format(time.RFC3339))
		}
		run++
		b.StartTimer()
		start := time.Now()
		sum, err := im.Import(ctx, importer.Events, &buf, importer.JSONLines, importer.Options{})
		took += time.Since(start)
		if err != nil || sum.Stored != events {
			b.Fatalf("%v: stored %d of %d", err, sum.Stored, events)
		}
		total += events
	}
	b.ReportMetric(float64(total)/took.Seconds(), "events/s")
}
