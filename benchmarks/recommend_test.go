package benchmarks

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

// recWorld seeds items, customers with 50-200 history items each (full
// consent), trains itemknn, and serves recommendations over HTTP.
// newRecWorldOf seeds a given mean history instead.
type recWorld struct {
	*stack
	svc       *recommend.Service
	model     recommend.Model
	customers []string
	url       string
}

func newRecWorld(b *testing.B, nItems, nCustomers int) *recWorld {
	return newRecWorldOf(b, nItems, nCustomers, 0)
}

// newRecWorldOf: with history > 0, each customer has between history/2
// and 3·history/2 events (one in four a purchase) drawn from a cluster of
// max(300, 2·history) items, as the load harness seeds them; 0 is
// newRecWorld's 50-200 from 300.
func newRecWorldOf(b *testing.B, nItems, nCustomers, history int) *recWorld {
	return newClusteredWorld(b, nItems, nCustomers, history, 0)
}

// newClusteredWorld is newRecWorldOf with each customer's window of items
// starting at one of clusters points (0: anywhere), so that with enough
// customers per cluster most pairs of items are k-anonymous and answers
// carry the evidence and reasons a shop's do (with windows anywhere, 300
// customers over 10,000 items share few pairs, and most answers are
// popularity).
func newClusteredWorld(b *testing.B, nItems, nCustomers, history, clusters int) *recWorld {
	b.Helper()
	s := newStack(b)
	ctx := context.Background()
	seedItems(b, s, nItems)
	rng := rand.New(rand.NewPCG(1, 2))
	w := &recWorld{stack: s}
	var ins []models.Interaction
	for c := 0; c < nCustomers; c++ {
		id := fmt.Sprintf("c%d", c)
		w.customers = append(w.customers, id)
		_, _ = s.consent.Put(ctx, id, consent.Change{Preset: consent.PresetFull}, "", false)
		base := rng.IntN(nItems)
		if clusters > 0 {
			base = rng.IntN(clusters) * (nItems / clusters)
		}
		var evs []features.Routed
		events, width := 50+rng.IntN(151), 300
		if history > 0 {
			events, width = history/2+rng.IntN(history+1), max(300, 2*history)
		}
		for k := 0; k < events; k++ {
			item := fmt.Sprintf("i%d", (base+rng.IntN(width))%nItems)
			set := consent.Browsing
			if k%4 == 0 {
				set = consent.Purchases
			}
			evs = append(evs, features.Routed{CustomerID: id, Set: set, Member: item, Time: time.Now().Add(-time.Duration(k) * time.Hour)})
			ins = append(ins, models.Interaction{User: id, Item: item, Value: 1, Time: time.Now()})
		}
		if _, err := s.store.Ingest(ctx, evs, s.consent.Request(false), features.DefaultRetention()); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]string, nItems)
	for i := range ids {
		ids[i] = fmt.Sprintf("i%d", i)
	}
	m, err := models.Train(ctx, models.NewData(ins, ids), models.TrainOptions{Kind: models.KindItemKNN})
	if err != nil {
		b.Fatal(err)
	}
	m.BuildReverse() // as the server does when a model goes live
	tm := &recommend.Trained{M: m, Ver: "bench"}
	w.model = tm
	w.svc = recommend.NewService(recommend.Deps{Reader: s.store, Model: func() recommend.Model { return tm },
		Catalog: s.catalog.Load, Request: s.consent.Request, Feedback: redisstore.ParseFeedback}, recommend.Config{})
	kr := auth.NewKeyring(s.store)
	_ = kr.Reload(ctx)
	ts := httptest.NewServer(httpapi.New(httpapi.Deps{Keyring: kr, Keys: s.store, Recommend: w.svc, Catalog: s.catalog, Items: s.store}))
	b.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

func benchRecommendHTTP(b *testing.B, nItems int) {
	w := newRecWorld(b, nItems, 300)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", w.url+"/v1/recommendations?n=10&customer_id="+w.customers[i%len(w.customers)], nil)
		req.Header.Set("Authorization", "Bearer "+w.siteKey)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t))
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		i++
	}
	percentiles(b, lat)
}

// BenchmarkRecommendHTTP10k: the full request through echo in process,
// 10,000 items. Allocations include the HTTP client and server.
func BenchmarkRecommendHTTP10k(b *testing.B) { benchRecommendHTTP(b, 10000) }

// BenchmarkRecommendHTTP100k: the same with 100,000 items (cost should be flat).
func BenchmarkRecommendHTTP100k(b *testing.B) { benchRecommendHTTP(b, 100000) }

// BenchmarkRecommendService: the scorer alone (gated read + scoring), for
// allocations per request without HTTP.
func BenchmarkRecommendService(b *testing.B) {
	w := newRecWorld(b, 10000, 300)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.svc.Recommend(ctx, recommend.Request{CustomerID: w.customers[i%len(w.customers)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRawGatedKeysRead is the reference: a raw go-redis pipelined
// read of the same keys a recommendation reads, for the same customers.
func BenchmarkRawGatedKeysRead(b *testing.B) {
	w := newRecWorld(b, 10000, 300)
	ctx := context.Background()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		ns := w.db.Namespace + ":{c:" + w.customers[i%len(w.customers)] + "}"
		t := time.Now()
		_, err := w.db.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HGetAll(ctx, ns+":consent")
			for _, set := range []string{"browsing", "purchases", "sensitive"} {
				p.ZRangeWithScores(ctx, ns+":fs:"+set, 0, -1)
			}
			for _, set := range []string{"declared", "location", "demographics"} {
				p.HGetAll(ctx, ns+":fs:"+set)
			}
			p.HGetAll(ctx, ns+":feedback")
			p.ZRangeWithScores(ctx, ns+":contacts", 0, -1)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		i++
	}
	percentiles(b, lat)
}

// BenchmarkRecommendHandler: the request through echo in process without a
// network client, so allocations are the server's own; at the mean history
// of the load harness's runs (50 and 500 events per customer).
func BenchmarkRecommendHandler(b *testing.B) {
	for _, history := range []int{50, 500} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			w := newRecWorldOf(b, 10000, 300, history)
			kr := auth.NewKeyring(w.store)
			_ = kr.Reload(context.Background())
			h := httpapi.New(httpapi.Deps{Keyring: kr, Keys: w.store, Recommend: w.svc, Catalog: w.catalog, Items: w.store})
			percentiles(b, serveRecommendations(b, w, h))
		})
	}
}

// serveRecommendations asks h for recommendations of w's customers in turn
// for b's iterations, without a network client, and returns each one's
// latency.
func serveRecommendations(b *testing.B, w *recWorld, h http.Handler) []time.Duration {
	b.Helper()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/v1/recommendations?n=10&customer_id="+w.customers[i%len(w.customers)], nil)
		req.Header.Set("Authorization", "Bearer "+w.siteKey)
		rec := httptest.NewRecorder()
		t := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(t))
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
		i++
	}
	return lat
}

// BenchmarkGatedReadOfRecWorld: the gated read alone for the same customers.
func BenchmarkGatedReadOfRecWorld(b *testing.B) {
	w := newRecWorld(b, 10000, 300)
	ctx := context.Background()
	req := w.consent.Request(false)
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		t := time.Now()
		if _, err := w.store.ReadState(ctx, w.customers[i%len(w.customers)], req, features.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		i++
	}
	percentiles(b, lat)
}
