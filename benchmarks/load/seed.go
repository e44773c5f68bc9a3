package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

// scale sizes the generated data set.
type scale struct {
	Items     int    `json:"items"`
	Customers int    `json:"customers"`
	History   int    `json:"history"` // mean events per customer with full consent
	Seed      uint64 `json:"seed"`
	Active    int    `json:"active,omitempty"` // requests go to this many of the customers (0: all)
	// MaxEvidence fixes the model's max_evidence (as `candor train
	// --max-evidence`); 0: validation chooses it.
	MaxEvidence int `json:"max_evidence,omitempty"`
	// LongHistory adds LongCustomers customers after the others whose
	// mean history is LongHistory (0: none), asked for in a phase of
	// their own, so two history lengths are compared in one run.
	LongHistory   int `json:"long_history,omitempty"`
	LongCustomers int `json:"long_customers,omitempty"`
}

// long describes the --long-history customers for a progress line or a
// report ("" when none).
func (sc scale) long() string {
	if sc.LongHistory == 0 {
		return ""
	}
	return fmt.Sprintf(", and %d customers at history %d", sc.LongCustomers, sc.LongHistory)
}

// checkLong checks the --long-history flags, defaulting LongCustomers.
func (sc *scale) checkLong() error {
	switch {
	case sc.LongHistory < 0 || sc.LongCustomers < 0:
		return fmt.Errorf("--long-history and --long-customers must be ≥ 0")
	case sc.LongHistory == 0 && sc.LongCustomers > 0:
		return fmt.Errorf("--long-customers %d without --long-history", sc.LongCustomers)
	case sc.LongHistory > 0 && sc.LongCustomers == 0:
		sc.LongCustomers = max(sc.Customers/5, 1)
	}
	return nil
}

// total is how many customers are generated.
func (sc scale) total() int { return sc.Customers + sc.LongCustomers }

// historyOf is customer i's mean history.
func (sc scale) historyOf(i int) int {
	if i >= sc.Customers && sc.LongHistory > 0 {
		return sc.LongHistory
	}
	return sc.History
}

// Consent mix of the generated customers: 20% none, 30% basic, 50% full.
// Only full grants browsing and purchases, so only those customers have a
// history (the collection gate would drop the others' events).
func levelOf(rng *rand.Rand) string {
	switch r := rng.Float64(); {
	case r < 0.2:
		return consent.PresetNone
	case r < 0.5:
		return consent.PresetBasic
	default:
		return consent.PresetFull
	}
}

const categories = 24

// clusterWidth is the span of item ids one customer's history is drawn from,
// so item-item neighbours carry signal: 300, or twice the mean history when
// that is longer, so that long histories hold that many distinct items
// (at --history 500 the views approach the per-set cap of 500).
func clusterWidth(history int) int { return max(300, 2*history) }

// seedStats is what seeding wrote and how long it took.
type seedStats struct {
	Items     int            `json:"items"`
	Customers int            `json:"customers"`
	ByLevel   map[string]int `json:"customers_by_consent"`
	Events    int            `json:"events"`
	Seconds   float64        `json:"seconds"`
	TrainSecs float64        `json:"train_seconds"`
}

// customer is one generated customer.
type customer struct {
	id    string
	level string
}

func itemID(i int) string { return fmt.Sprintf("i%06d", i) }

func genItems(n int, rng *rand.Rand) []catalog.Item {
	items := make([]catalog.Item, n)
	for i := range items {
		items[i] = catalog.Item{ID: itemID(i), Title: "Item " + itemID(i), Category: []string{fmt.Sprintf("cat%02d", i*categories/n)},
			Price: float64(5 + rng.IntN(200)), Currency: "EUR", Available: true}
	}
	return items
}

func genCustomers(sc scale) []customer {
	rng := rand.New(rand.NewPCG(sc.Seed, 0xc0))
	out := make([]customer, sc.total())
	for i := range out {
		out[i] = customer{id: fmt.Sprintf("c%07d", i), level: levelOf(rng)}
	}
	return out
}

// history generates customer i's events: between h/2 and 3h/2 views and
// purchases (one in four) within one cluster of the catalog, h its mean
// history (scale.historyOf).
func history(sc scale, i int, id string, items []string, now time.Time) []features.Routed {
	rng := rand.New(rand.NewPCG(sc.Seed, uint64(i)+1))
	h := sc.historyOf(i)
	n := h/2 + rng.IntN(h+1)
	base := rng.IntN(len(items))
	evs := make([]features.Routed, n)
	for k := range evs {
		set := consent.Browsing
		if k%4 == 0 {
			set = consent.Purchases
		}
		evs[k] = features.Routed{CustomerID: id, Set: set, Member: items[(base+rng.IntN(clusterWidth(h)))%len(items)],
			Time: now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)}
	}
	return evs
}

// seed writes the data set through the services and store the API uses
// (consent.Service.Put, features.Service.PutProfile, Store.Ingest, whose
// collection gate applies), concurrently, and returns the interactions
// the model is trained on. Progress goes to progress every two seconds.
func (w *world) seed(ctx context.Context, sc scale, progress io.Writer) (*seedStats, []customer, []models.Interaction, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(sc.Seed, 0x17))
	items := genItems(sc.Items, rng)
	for i := 0; i < len(items); i += catalog.MaxBatch {
		if err := w.store.PutItems(ctx, items[i:min(i+catalog.MaxBatch, len(items))]); err != nil {
			return nil, nil, nil, fmt.Errorf("seed items: %w", err)
		}
	}
	if err := w.catalog.Reload(ctx); err != nil {
		return nil, nil, nil, err
	}
	ids := make([]string, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	custs := genCustomers(sc)
	st := &seedStats{Items: len(items), Customers: len(custs), ByLevel: map[string]int{}}
	for _, c := range custs {
		st.ByLevel[c.level]++
	}
	var done, events atomic.Int64
	stopProgress := reportProgress(progress, "seeding customers", &done, len(custs))
	var mu sync.Mutex
	var ins []models.Interaction
	now := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	// About 5,000 events per pipelined ingest (100 customers at history
	// 50), so that long histories do not queue seconds of work in Redis.
	batch := max(1, min(100, 5000/max(sc.History, sc.LongHistory, 1)))
	next := atomic.Int64{}
	for range 8 {
		g.Go(func() error {
			for {
				lo := int(next.Add(int64(batch))) - batch
				if lo >= len(custs) {
					return nil
				}
				part, err := w.seedCustomers(gctx, sc, custs[lo:min(lo+batch, len(custs))], lo, ids, now)
				if err != nil {
					return err
				}
				events.Add(int64(len(part)))
				done.Add(int64(min(batch, len(custs)-lo)))
				mu.Lock()
				ins = append(ins, part...)
				mu.Unlock()
			}
		})
	}
	err := g.Wait()
	stopProgress()
	if err != nil {
		return nil, nil, nil, err
	}
	st.Events = int(events.Load())
	st.Seconds = time.Since(start).Seconds()
	return st, custs, ins, nil
}

// seedCustomers writes the consent and declared profile of custs (whose
// first index is first) and ingests the history of those with full consent
// in one pipelined call.
func (w *world) seedCustomers(ctx context.Context, sc scale, custs []customer, first int, items []string, now time.Time) ([]models.Interaction, error) {
	var evs []features.Routed
	for j, c := range custs {
		if _, err := w.consent.Put(ctx, c.id, consent.Change{Preset: c.level, Source: consent.SourceImport}, "", false); err != nil {
			return nil, fmt.Errorf("consent of %s: %w", c.id, err)
		}
		if c.level == consent.PresetNone {
			continue
		}
		cat := fmt.Sprintf("cat%02d", (first+j)%categories)
		if err := w.features.PutProfile(ctx, c.id, consent.Declared, &features.Declared{Categories: []string{cat}, PriceBand: "mid"}, false); err != nil {
			return nil, fmt.Errorf("declared profile of %s: %w", c.id, err)
		}
		if c.level == consent.PresetFull && sc.historyOf(first+j) > 0 {
			evs = append(evs, history(sc, first+j, c.id, items, now)...)
		}
	}
	if len(evs) == 0 {
		return nil, nil
	}
	out, err := w.store.Ingest(ctx, evs, w.consent.Request(false), features.DefaultRetention())
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	ins := make([]models.Interaction, 0, len(evs))
	for i, reason := range out {
		if reason != "" && reason != features.StoredBefore {
			return nil, fmt.Errorf("event of %s dropped by the consent gate: %s", evs[i].CustomerID, reason)
		}
		ins = append(ins, models.Interaction{User: evs[i].CustomerID, Item: evs[i].Member, Value: 1, Time: evs[i].Time})
	}
	return ins, nil
}

// reportProgress prints done/total every two seconds until stopped.
func reportProgress(out io.Writer, what string, done *atomic.Int64, total int) (stop func()) {
	t := time.NewTicker(2 * time.Second)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				fmt.Fprintf(out, "%s: %d/%d\n", what, done.Load(), total)
			}
		}
	}()
	return func() { t.Stop(); close(quit); wg.Wait() }
}

// train fits the item-kNN model the server scores with as `candor train`
// does: every customer read from the store through the consent gate, and
// the scoring (how many recent items are evidence, the prior, ...) chosen
// by validation on that data. It makes the model live.
func (w *world) train(ctx context.Context, sc scale) error {
	var states []*features.State
	err := w.store.ScanStates(ctx, w.consent.Request(false), func(st *features.State) error {
		states = append(states, st)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the store: %w", err)
	}
	c := evaluation.NewCorpus(states, w.catalog.Load())
	o := evaluation.Options{Train: models.TrainOptions{Kind: models.KindItemKNN}}
	if sc.MaxEvidence > 0 {
		o.Fixed = map[string]float64{"max-evidence": float64(sc.MaxEvidence)}
	}
	m, err := evaluation.Fit(ctx, c, o)
	if err != nil {
		return fmt.Errorf("train itemknn: %w", err)
	}
	m.BuildReverse() // as the server does when a model goes live
	w.model.Store(&recommend.Trained{M: m, Ver: "bench"})
	return nil
}
