package benchmarks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
	"github.com/candorhq/candor/redisstore"
)

var sinkMask uint32

// BenchmarkConsentEvaluate is consent evaluation alone (no Redis): one
// customer's stored records, as each preset writes them, evaluated for a
// request.
func BenchmarkConsentEvaluate(b *testing.B) {
	now := time.Now()
	for _, preset := range consent.Presets {
		b.Run(preset, func(b *testing.B) {
			recs := presetRecords(b, preset, now)
			req := consent.Request{Now: now, PolicyVersion: 1}
			b.ReportAllocs()
			for b.Loop() {
				sinkMask = consent.Evaluate(recs, req).Grant().Mask()
			}
		})
	}
}

func presetRecords(b testing.TB, preset string, now time.Time) map[consent.Scope]consent.Record {
	b.Helper()
	states, err := consent.PresetStates(preset)
	if err != nil {
		b.Fatal(err)
	}
	recs := make(map[consent.Scope]consent.Record, len(states))
	for s, st := range states {
		recs[s] = consent.Record{Scope: s, State: st, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	return recs
}

// memReader serves one fixed state, so the scorer runs without Redis.
type memReader struct{ st *features.State }

func (m memReader) ReadState(_ context.Context, id string, _ consent.Request, _ features.ReadOptions) (*features.State, error) {
	st := *m.st
	st.CustomerID = id
	return &st, nil
}

// BenchmarkScorer is the scorer without I/O: recommend.Service.Recommend
// over a state held in memory (full consent, 150 history items: 3 in 4
// browsed, 1 in 4 bought) with a 200-neighbour item model, so its
// allocations and time are Candor's scoring, filtering and explanation only.
func BenchmarkScorer(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			cat, m := recommendtest.World(1, n)
			now := time.Now()
			st := &features.State{Decision: consent.Evaluate(presetRecords(b, consent.PresetFull, now), consent.Request{Now: now, PolicyVersion: 1}),
				Interactions: map[consent.Scope][]features.Interaction{}}
			for k := range 150 {
				set := consent.Browsing
				if k%4 == 0 {
					set = consent.Purchases
				}
				st.Interactions[set] = append(st.Interactions[set], features.Interaction{Item: m.ItemID(int32(k * 7 % n)), Last: now.Add(-time.Duration(k) * time.Hour), Count: 1})
			}
			svc := recommend.NewService(recommend.Deps{Reader: memReader{st}, Model: func() recommend.Model { return m },
				Catalog: func() *catalog.Snapshot { return cat }, Request: func(gpc bool) consent.Request { return consent.Request{Now: time.Now(), PolicyVersion: 1, GPC: gpc} },
				Feedback: redisstore.ParseFeedback}, recommend.Config{})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Recommend(ctx, recommend.Request{CustomerID: "c1", N: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// recordWorlds are the worlds of the benchmarks that make decision
// records: the harness's histories over 300 customers spread over the
// catalog (few k-anonymous pairs: mostly popularity answers), and 2,000
// customers in 5 clusters of items (dense: answers like the harness's).
var recordWorlds = []struct {
	name                         string
	customers, history, clusters int
}{{"history=50", 300, 50, 0}, {"history=500", 300, 500, 0}, {"dense/history=50", 2000, 50, 5}}

// BenchmarkRecommendHandlerDecisions is BenchmarkRecommendHandler with the
// decision writer that cmd/candor wires (each answer's record encoded on
// the request path, queued, and written to the customer's decisions list
// off it): the request path as served.
func BenchmarkRecommendHandlerDecisions(b *testing.B) {
	for _, tc := range recordWorlds {
		b.Run(tc.name, func(b *testing.B) {
			w := newClusteredWorld(b, 10000, tc.customers, tc.history, tc.clusters)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			writer := recommend.NewWriter(w.store, recommend.Retention{}, 10000)
			go writer.Run(ctx)
			svc := recommend.NewService(recommend.Deps{Reader: w.store, Model: func() recommend.Model { return w.model }, Catalog: w.catalog.Load,
				Request: w.consent.Request, Feedback: redisstore.ParseFeedback, Decisions: writer, Store: w.store}, recommend.Config{})
			kr := auth.NewKeyring(w.store)
			_ = kr.Reload(ctx)
			h := httpapi.New(httpapi.Deps{Keyring: kr, Keys: w.store, Recommend: svc, Catalog: w.catalog, Items: w.store})
			percentiles(b, serveRecommendations(b, w, h))
		})
	}
}

// BenchmarkEncodeRecord: a decision record encoded from its answer (on the
// request path) alone, over the answers of 300 customers at the harness's
// histories, and of 2,000 customers in 5 clusters of items (dense: most
// answers carry personal reasons, as the harness's and a shop's do);
// reports the record's bytes with its evidence sections.
func BenchmarkEncodeRecord(b *testing.B) {
	for _, tc := range recordWorlds {
		b.Run(tc.name, func(b *testing.B) {
			w := newClusteredWorld(b, 10000, tc.customers, tc.history, tc.clusters)
			var answers []*recommend.Response
			for _, c := range w.customers {
				resp, err := w.svc.Recommend(context.Background(), recommend.Request{CustomerID: c, N: 10})
				if err != nil {
					b.Fatal(err)
				}
				answers = append(answers, resp)
			}
			size, i := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				rec, ev, err := recommend.EncodeRecord(answers[i%len(answers)])
				if err != nil {
					b.Fatal(err)
				}
				size += len(rec) + len(ev)
				i++
			}
			b.ReportMetric(float64(size)/float64(i), "bytes/record")
		})
	}
}
