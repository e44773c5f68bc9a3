package evaluation

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

// Metrics are the mean top-k quality over a group of customers.
type Metrics struct {
	Users     int     `json:"users"`
	NDCG      float64 `json:"ndcg_at_k"`
	Precision float64 `json:"precision_at_k"`
	Recall    float64 `json:"recall_at_k"`
	MAP       float64 `json:"map_at_k"`
}

// Measurement is what one model is worth on held-out data, overall and
// per consent level of the customers (Level).
type Measurement struct {
	K       int `json:"k"`
	Metrics     // over every measured customer

	ByLevel  map[string]Metrics `json:"by_level"`
	Coverage float64            `json:"coverage"` // share of the catalog recommended to anyone
	Short    int                `json:"short_lists"`
	// Lists holds each measured customer's list, when asked for.
	Lists map[string][]string `json:"-"`
}

// Consent levels of a customer, from what their decision grants.
const (
	LevelNone    = "none"    // no feature set: context only
	LevelBasic   = "basic"   // declared preferences only
	LevelFull    = "full"    // purchases, browsing and declared
	LevelPartial = "partial" // any other combination
)

// Levels lists the levels from least to most personal data.
var Levels = []string{LevelNone, LevelBasic, LevelPartial, LevelFull}

// Level names what a decision grants.
func Level(d consent.Decision) string {
	g := d.Grant()
	has := func(s consent.Scope) bool { return g.Has(s) }
	switch {
	case has(consent.Purchases) && has(consent.Browsing) && has(consent.Declared):
		return LevelFull
	case has(consent.Declared) && !has(consent.Purchases) && !has(consent.Browsing):
		return LevelBasic
	case !has(consent.Purchases) && !has(consent.Browsing) && !has(consent.Declared):
		return LevelNone
	}
	return LevelPartial
}

// MeasureOptions configure Measure.
type MeasureOptions struct {
	K         int              // list length; default 10
	Customers int              // at most this many customers, spread evenly; 0: all
	Lists     bool             // keep every customer's list
	Workers   int              // default GOMAXPROCS
	Now       func() time.Time // the request clock; default time.Now
}

// Measure asks the scorer, as the API would, for k items for every
// customer of c with held-out items (recommend.Service.RankIDs: the API's
// ranking without its explanations), and scores the lists against test.
// The requests carry no context and the empty ruleset.
func Measure(ctx context.Context, m *models.Model, c *Corpus, test Relevant, o MeasureOptions) (*Measurement, error) {
	o = o.withDefaults()
	svc := Ranker(m, c.Catalog, o.Now)
	custs := measured(c, test, o.Customers)
	reqs := make([]recommend.Request, len(custs))
	for i, st := range custs {
		reqs[i] = recommend.Request{CustomerID: st.CustomerID, N: o.K}
	}
	lists, err := rankAll(ctx, svc, custs, reqs, o.Workers)
	if err != nil {
		return nil, err
	}
	return score(custs, lists, test, c.Catalog, o), nil
}

// rankAll ranks every state with its request on workers goroutines
// (recommend.Service.RankIDs: the API's ranking without its explanations).
func rankAll(ctx context.Context, svc *recommend.Service, states []*features.State, reqs []recommend.Request, workers int) ([][]string, error) {
	lists := make([][]string, len(states))
	var firstErr error
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ids, err := svc.RankIDs(states[i], reqs[i])
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				lists[i] = ids
			}
		}()
	}
	for i := range states {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, candor.Wrap("evaluation.Measure", err)
	}
	return lists, firstErr
}

// Ranker returns the scorer serving m over cat, as the server builds it,
// without a store: Rank is its only use.
func Ranker(m *models.Model, cat *catalog.Snapshot, now func() time.Time) *recommend.Service {
	t := &recommend.Trained{M: m, Ver: string(m.Kind)}
	return recommend.NewService(recommend.Deps{
		Model:   func() recommend.Model { return t },
		Catalog: func() *catalog.Snapshot { return cat },
		Now:     now,
	}, recommend.Config{})
}

func (o MeasureOptions) withDefaults() MeasureOptions {
	if o.K <= 0 {
		o.K = 10
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// measured returns the states of customers with held-out items, at most
// limit of them spread evenly over the sorted customers.
func measured(c *Corpus, test Relevant, limit int) []*features.State {
	var out []*features.State
	for _, st := range c.States {
		if len(test[st.CustomerID]) > 0 {
			out = append(out, st)
		}
	}
	if limit <= 0 || len(out) <= limit {
		return out
	}
	picked := make([]*features.State, limit)
	for i := range picked {
		picked[i] = out[i*len(out)/limit]
	}
	return picked
}

// score averages the metrics over all customers and per level.
func score(custs []*features.State, lists [][]string, test Relevant, cat *catalog.Snapshot, o MeasureOptions) *Measurement {
	res := &Measurement{K: o.K, ByLevel: map[string]Metrics{}}
	if o.Lists {
		res.Lists = make(map[string][]string, len(custs))
	}
	shown := map[string]bool{}
	for i, st := range custs {
		rel := test[st.CustomerID]
		res.Metrics.add(lists[i], rel, o.K)
		lv := res.ByLevel[Level(st.Decision)]
		lv.add(lists[i], rel, o.K)
		res.ByLevel[Level(st.Decision)] = lv
		for _, id := range lists[i] {
			shown[id] = true
		}
		if len(lists[i]) < o.K {
			res.Short++
		}
		if o.Lists {
			res.Lists[st.CustomerID] = lists[i]
		}
	}
	res.Metrics.finish()
	for k, v := range res.ByLevel {
		v.finish()
		res.ByLevel[k] = v
	}
	if cat.Len() > 0 {
		res.Coverage = float64(len(shown)) / float64(cat.Len())
	}
	return res
}

func (m *Metrics) add(rec []string, rel map[string]bool, k int) {
	m.Users++
	m.NDCG += NDCGAtK(rec, rel, k)
	m.Precision += PrecisionAtK(rec, rel, k)
	m.Recall += RecallAtK(rec, rel, k)
	m.MAP += APAtK(rec, rel, k)
}

func (m *Metrics) finish() {
	if m.Users > 0 {
		n := float64(m.Users)
		m.NDCG, m.Precision, m.Recall, m.MAP = m.NDCG/n, m.Precision/n, m.Recall/n, m.MAP/n
	}
}
