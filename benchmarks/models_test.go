package benchmarks

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

// synthData generates rows interactions of users over items: item popularity
// is Zipf-like (a long tail) and user history lengths are log-normal with
// mean rows/users, capped at 2,000, so the co-occurrence work Σ|history|² is
// realistic rather than flat.
func synthData(tb testing.TB, users, items, rows int, seed uint64) *models.Data {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	zipf := rand.NewZipf(rng, 1.05, 8, uint64(items-1))
	d := &models.Data{Items: make([]string, items), Users: users, Rows: make([]models.Row, 0, rows)}
	for i := range d.Items {
		d.Items[i] = "i" + strconv.Itoa(i)
	}
	mean := float64(rows) / float64(users)
	mu := math.Log(mean) - 0.5 // log-normal with σ = 1 has mean e^(μ+½)
	for u := 0; len(d.Rows) < rows; u = (u + 1) % users {
		n := min(int(math.Exp(mu+rng.NormFloat64())), 2000, rows-len(d.Rows))
		for range max(n, 1) {
			d.Rows = append(d.Rows, models.Row{User: int32(u), Item: int32(zipf.Uint64()), Value: 1, Unix: 1.7e9 + rng.Int64N(1e7)})
		}
	}
	return d
}

// peakRSS returns the process's peak resident set in MiB (Linux), or 0.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkItemSimilarity100k trains the SAR-style item similarity (Jaccard,
// K=200, k=5) on 100,000 items and 10 million generated interactions. The
// issue's budget is 5 minutes and 4 GiB. Run it alone:
//
//	go test -run '^$' -bench ItemSimilarity100k -benchtime 1x ./benchmarks/
func BenchmarkItemSimilarity100k(b *testing.B) {
	d := synthData(b, 200_000, 100_000, 10_000_000, 1)
	var m *models.Model
	for b.Loop() {
		var err error
		m, err = models.Train(context.Background(), d, models.TrainOptions{Kind: models.KindItemKNN})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(m.Meta.TrainSeconds, "train-s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
	b.ReportMetric(float64(m.NumWeights()), "weights")
}

// BenchmarkEASEFit measures EASE's fit (Gram matrix, gonum Cholesky inverse,
// k-anonymous top-K rows) at a fixed λ as the head grows; the inverse is
// O(n³) in gonum's pure-Go BLAS.
func BenchmarkEASEFit(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			d := synthData(b, 20*n, n, 400*n, 2)
			var m *models.Model
			for b.Loop() {
				var err error
				m, err = models.Train(context.Background(), d, models.TrainOptions{Kind: models.KindEASE, Lambda: 500})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(m.Meta.TrainSeconds, "train-s")
		})
	}
}

// BenchmarkModelScore measures one ranking by the scorer, without the
// store: 50 purchases over a 20,000-item itemknn model (K=200), the top 20
// items with their exact explanations (recommend.Service.Rank, as offline
// evaluation calls it).
func BenchmarkModelScore(b *testing.B) {
	d := synthData(b, 40_000, 20_000, 2_000_000, 3)
	m, err := models.Train(context.Background(), d, models.TrainOptions{Kind: models.KindItemKNN})
	if err != nil {
		b.Fatal(err)
	}
	items := make([]catalog.Item, len(d.Items))
	for i, id := range d.Items {
		items[i] = catalog.Item{ID: id, Title: id, Category: []string{"c" + strconv.Itoa(i%20)}, Available: true}
	}
	svc := evaluation.Ranker(m, catalog.NewSnapshot(items, nil), nil)
	rng := rand.New(rand.NewPCG(4, 5))
	st := &features.State{CustomerID: "c", Interactions: map[consent.Scope][]features.Interaction{}}
	recs := map[consent.Scope]consent.Record{consent.Purchases: {Scope: consent.Purchases, State: consent.Granted, Time: time.Unix(1.7e9, 0), PolicyVersion: 1, Source: consent.SourceAPI}}
	st.Decision = consent.Evaluate(recs, consent.Request{Now: time.Unix(1.7e9, 0), PolicyVersion: 1})
	for k := range 50 {
		st.Interactions[consent.Purchases] = append(st.Interactions[consent.Purchases],
			features.Interaction{Item: d.Items[rng.IntN(2000)], Last: time.Unix(1.7e9+int64(k), 0), Count: 1})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Rank(st, recommend.Request{CustomerID: "c", N: 20}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// BenchmarkItemLookup: a history's 500 item IDs looked up in a model of
// 10,000 items, numbered ("i42": models' number table) and named
// ("i42x": a map). Warm, the table saves a few ns a lookup; in the server,
// where the map's groups and keys are out of the cache, the profile at
// history 500 went from 47 to 3 µs a request (benchmarks/README,
// session 15).
func BenchmarkItemLookup(b *testing.B) {
	for _, form := range []struct{ name, suffix string }{{"numbered", ""}, {"named", "x"}} {
		b.Run(form.name, func(b *testing.B) {
			d := synthData(b, 2_000, 10_000, 50_000, 5)
			for i := range d.Items {
				d.Items[i] += form.suffix
			}
			m, err := models.Train(context.Background(), d, models.TrainOptions{Kind: models.KindPopularity})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(6, 7))
			history := make([]string, 500)
			for i := range history {
				history[i] = "i" + strconv.Itoa(rng.IntN(m.NumItems())) + form.suffix
			}
			for b.Loop() {
				for _, id := range history {
					if _, ok := m.Item(id); !ok {
						b.Fatalf("%s is not in the model", id)
					}
				}
			}
		})
	}
}
