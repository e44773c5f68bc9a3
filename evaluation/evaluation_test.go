package evaluation

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/movielens"
	"github.com/candorhq/candor/recommend"
)

// clustered returns a dataset of users in four taste groups, each rating
// mostly the movies of its genre, so a personal model must beat
// popularity.
func clustered(users, movies int, seed uint64) *movielens.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	genres := []string{"Drama", "Comedy", "Horror", "Western"}
	ds := &movielens.Dataset{Items: map[string]movielens.ItemInfo{}}
	for m := range movies {
		ds.Items[fmt.Sprintf("m%d", m)] = movielens.ItemInfo{Title: fmt.Sprintf("Movie %d", m), Genres: []string{genres[m%4]}}
	}
	for u := range users {
		seen := map[int]bool{}
		for n := 10 + rng.IntN(30); len(seen) < n; {
			m := 4*int(float64(movies/4)*rng.Float64()*rng.Float64()) + u%4
			if rng.IntN(6) == 0 {
				m = rng.IntN(movies)
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			ds.Ratings = append(ds.Ratings, movielens.Rating{User: fmt.Sprintf("u%d", u), Item: fmt.Sprintf("m%d", m),
				Value: float64(1+rng.IntN(10)) / 2, Time: time.Unix(1e9+int64(rng.IntN(1e8)), 0)})
		}
	}
	return ds
}

func corpus(t *testing.T, ds *movielens.Dataset, imp movielens.ImportOptions) *Corpus {
	t.Helper()
	c, err := FromDataset(context.Background(), ds, DatasetOptions{Import: imp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clusteredSplit splits the clustered test data per customer 75/25 and
// returns the training part and the held-out items.
func clusteredSplit(t *testing.T) (*movielens.Dataset, Relevant) {
	t.Helper()
	train, test, err := clustered(300, 120, 3).Split(0.25, 42)
	if err != nil {
		t.Fatal(err)
	}
	rel := Relevant{}
	for _, r := range test.Ratings {
		if rel[r.User] == nil {
			rel[r.User] = map[string]bool{}
		}
		rel[r.User][r.Item] = true
	}
	return train, rel
}

func evaluate(t *testing.T, imp movielens.ImportOptions, kinds ...models.Kind) map[models.Kind]Result {
	t.Helper()
	train, rel := clusteredSplit(t)
	res, err := Evaluate(context.Background(), Eval{Corpus: corpus(t, train, imp), Test: rel, Models: kinds})
	if err != nil {
		t.Fatal(err)
	}
	out := map[models.Kind]Result{}
	for _, r := range res {
		out[r.Model] = r
	}
	return out
}

func TestPersonalModelsBeatPopularity(t *testing.T) {
	res := evaluate(t, movielens.ImportOptions{}, models.Kinds...)
	for _, k := range []models.Kind{models.KindItemKNN, models.KindEASE} {
		if res[k].NDCG <= res[models.KindPopularity].NDCG*1.5 {
			t.Errorf("%s nDCG %.3f, popularity %.3f: want far better", k, res[k].NDCG, res[models.KindPopularity].NDCG)
		}
		if res[k].Users != 300 || res[k].Short != 0 {
			t.Errorf("%s: %d customers, %d short lists", k, res[k].Users, res[k].Short)
		}
		if !strings.HasPrefix(res[k].Scoring.Note, "validation nDCG@10") {
			t.Errorf("%s scoring note %q: want how validation chose it", k, res[k].Scoring.Note)
		}
	}
	if res[models.KindEASE].Lambda <= 0 {
		t.Errorf("EASE λ %g", res[models.KindEASE].Lambda)
	}
}

// TestConsentLevels: with the consent mix, customers are measured per
// level; without history every model serves the same popularity, and
// declared preferences do better than nothing.
func TestConsentLevels(t *testing.T) {
	res := evaluate(t, movielens.ImportOptions{Consent: movielens.ConsentMix, DeclaredGenres: 1}, models.KindEASE, models.KindItemKNN)
	for _, k := range []models.Kind{models.KindEASE, models.KindItemKNN} {
		lv := res[k].ByLevel
		if lv[LevelNone].Users == 0 || lv[LevelBasic].Users == 0 || lv[LevelFull].Users == 0 {
			t.Fatalf("%s levels %+v", k, lv)
		}
		if !(lv[LevelFull].NDCG > lv[LevelBasic].NDCG && lv[LevelBasic].NDCG > lv[LevelNone].NDCG) {
			t.Errorf("%s: full %.3f, basic %.3f, none %.3f: want more data to serve better", k, lv[LevelFull].NDCG, lv[LevelBasic].NDCG, lv[LevelNone].NDCG)
		}
	}
}

func TestFixedParametersAreKept(t *testing.T) {
	c := corpus(t, clustered(120, 60, 4), movielens.ImportOptions{})
	m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE, Lambda: 77},
		Fixed: map[string]float64{"prior": 0.02, "purchase-half-life": 30}})
	if err != nil {
		t.Fatal(err)
	}
	sc := m.Scoring()
	if m.Params.Lambda != 77 || sc.Prior != 0.02 || sc.PurchaseHalfLife != 30*24*time.Hour {
		t.Errorf("λ %g, scoring %s: the fixed values were not kept", m.Params.Lambda, sc)
	}
	if _, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE}, Fixed: map[string]float64{"colour": 1}}); err == nil {
		t.Error("an unknown parameter was accepted")
	}
	if _, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE}, Fixed: map[string]float64{"prior": 2}}); err == nil {
		t.Error("a prior above the maximum was accepted")
	}
}

// TestFixedSequenceIsKept: a fixed sequence share and window reach the
// model, a share alone gets the default window without tuning (and a
// validated one with), and a validated model says what validation chose.
func TestFixedSequenceIsKept(t *testing.T) {
	c := corpus(t, clustered(120, 60, 4), movielens.ImportOptions{})
	for _, tc := range []struct {
		fixed        map[string]float64
		noTuning     bool
		share, width float64
	}{
		{map[string]float64{"sequence": 0.5, "sequence-window": 5}, false, 0.5, 5},
		{map[string]float64{"sequence": 1}, true, 1, models.DefaultSequenceWindow},
		{map[string]float64{"sequence": 0, "sequence-window": 5}, false, 0, 0},
	} {
		m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE, Lambda: 20}, Fixed: tc.fixed, NoTuning: tc.noTuning})
		if err != nil {
			t.Fatal(err)
		}
		if m.Params.Sequence != tc.share || m.Params.SequenceWindow != tc.width {
			t.Errorf("fixed %v: sequence %g, window %g; want %g, %g", tc.fixed, m.Params.Sequence, m.Params.SequenceWindow, tc.share, tc.width)
		}
	}
	m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE}})
	if err != nil {
		t.Fatal(err)
	}
	if note := m.Scoring().Note; !strings.Contains(note, "sequence ") {
		t.Errorf("note %q: want the sequence share validation chose", note)
	}
	if _, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE}, Fixed: map[string]float64{"sequence": 2}}); err == nil {
		t.Error("a sequence share above 1 was accepted")
	}
}

// TestCorpusDataIsCanonical: the same states read in another order train
// on the same data, so a model does not depend on the store's scan order.
func TestCorpusDataIsCanonical(t *testing.T) {
	c := corpus(t, clustered(50, 40, 5), movielens.ImportOptions{})
	shuffled := slices.Clone(c.States)
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
	again := NewCorpus(shuffled, c.Catalog)
	sc := models.DefaultScoring()
	if !reflect.DeepEqual(c.Data(sc), again.Data(sc)) {
		t.Error("the order of states changed the training data")
	}
}

func TestSplitCorpus(t *testing.T) {
	c := corpus(t, clustered(60, 40, 6), movielens.ImportOptions{})
	train, test, err := Split(c, 0.25, 9)
	if err != nil {
		t.Fatal(err)
	}
	if train.Interactions()+countRelevant(test) != c.Interactions() {
		t.Errorf("%d + %d != %d", train.Interactions(), countRelevant(test), c.Interactions())
	}
	for i, st := range train.States {
		for _, x := range st.Interactions["purchases"] {
			if test[st.CustomerID][x.Item] {
				t.Fatalf("%s: %s both trained on and held out", st.CustomerID, x.Item)
			}
		}
		if len(c.States[i].Interactions["purchases"]) == 0 {
			t.Fatalf("the split changed the corpus it split")
		}
	}
	again, _, _ := Split(c, 0.25, 9)
	if !reflect.DeepEqual(again, train) {
		t.Error("one seed, two splits")
	}
}

func countRelevant(r Relevant) int {
	n := 0
	for _, items := range r {
		n += len(items)
	}
	return n
}

func TestHoldoutMetrics(t *testing.T) {
	c := corpus(t, clustered(120, 60, 7), movielens.ImportOptions{})
	m, err := Holdout(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindItemKNN}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ndcg_at_10", "precision_at_10", "recall_at_10", "map_at_10", "coverage", "users_evaluated", "short_lists", "scenario.full.ndcg_at_10"} {
		if _, ok := m[k]; !ok {
			t.Errorf("hold-out metrics lack %s: %v", k, m)
		}
	}
	if m["ndcg_at_10"] <= 0 || m["users_evaluated"] != 120 {
		t.Errorf("metrics %v", m)
	}
}

// TestDegenerateCorpora: nothing to learn must not panic or fail.
func TestDegenerateCorpora(t *testing.T) {
	for _, ds := range []*movielens.Dataset{
		{},
		{Ratings: []movielens.Rating{{User: "u1", Item: "m1", Value: 3, Time: time.Unix(1e9, 0)}}},
		{Ratings: []movielens.Rating{{User: "u1", Item: "m1", Value: 3, Time: time.Unix(1e9, 0)}, {User: "u1", Item: "m2", Value: 3, Time: time.Unix(1e9, 0)}}},
	} {
		c := corpus(t, ds, movielens.ImportOptions{})
		for _, kind := range models.Kinds {
			if _, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: kind}}); err != nil {
				t.Errorf("%s on %d ratings: %v", kind, len(ds.Ratings), err)
			}
		}
	}
}

// TestColdStartBeatsPopularity: a customer with 5 interactions, with only
// declared preferences, or with only the item they are viewing is served
// better than popularity, and every scenario excludes the whole history.
func TestColdStartBeatsPopularity(t *testing.T) {
	train, rel := clusteredSplit(t)
	c := corpus(t, train, movielens.ImportOptions{DeclaredGenres: 1})
	res, err := Evaluate(context.Background(), Eval{Corpus: c, Test: rel, Models: []models.Kind{models.KindEASE}, Cold: true})
	if err != nil {
		t.Fatal(err)
	}
	cold := res[0].Cold
	pop := cold[ColdPopularity]
	if pop.Users != 300 {
		t.Fatalf("popularity scenario measured %d customers, want 300", pop.Users)
	}
	for _, sc := range []string{ColdHistory, ColdDeclared, ColdContext} {
		if cold[sc].Users != 300 || cold[sc].NDCG <= pop.NDCG {
			t.Errorf("%s: nDCG %.4f over %d customers, popularity %.4f: want better, over all 300", sc, cold[sc].NDCG, cold[sc].Users, pop.NDCG)
		}
	}
	if res[0].NDCG <= cold[ColdHistory].NDCG {
		t.Errorf("whole histories %.4f, 5 interactions %.4f: want more history to serve better", res[0].NDCG, cold[ColdHistory].NDCG)
	}
	states, reqs := coldStates(c.States, ColdContext, 10)
	for i, st := range states {
		if n := len(st.Interactions[consent.Purchases]) + len(st.Interactions[consent.Browsing]); n != 0 || reqs[i].ItemID == "" || !slices.Contains(st.Older, reqs[i].ItemID) {
			t.Fatalf("context scenario of %s: %d interactions, viewing %q, excluded %v", st.CustomerID, n, reqs[i].ItemID, st.Older)
		}
	}
}

// TestCappedHeadServesTheTail fits EASE with a head of 20 of 120 items
// and ranks every customer through the scorer: items outside the head are
// recommended because of the customer's own items (item-kNN rows), and
// every score is exactly the sum of its reasons.
func TestCappedHeadServesTheTail(t *testing.T) {
	c := corpus(t, clustered(300, 120, 3), movielens.ImportOptions{})
	m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE, TopN: 20}, NoTuning: true})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]int{}
	for _, st := range c.States {
		for _, set := range trainedSets {
			for _, x := range st.Interactions[set] {
				users[x.Item]++
			}
		}
	}
	counts := slices.SortedFunc(maps.Values(users), func(a, b int) int { return b - a })
	cut := counts[19] // items with fewer users are outside the head
	svc := Ranker(m, c.Catalog, time.Now)
	tail := 0
	for _, st := range c.States {
		resp, err := svc.Rank(st, recommend.Request{CustomerID: st.CustomerID, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range resp.Items {
			exact(t, st.CustomerID, it)
			for _, r := range it.Reasons {
				if users[it.ItemID] < cut && r.Contribution > 0 && len(r.Evidence) > 0 && (r.FeatureSet == "purchases" || r.FeatureSet == "browsing") {
					tail++
				}
			}
		}
	}
	if tail == 0 {
		t.Error("no item outside the head was recommended because of the customer's items")
	}
}

// TestBlendedModelExplainsExactly ranks every customer through the
// scorer with a model whose weights blend in the low-pass filter and the
// item similarity and whose evidence is weighed by its recency rank: the
// reasons still sum to the score, and the blends reach the answer (the
// lists differ from plain EASE's).
func TestBlendedModelExplainsExactly(t *testing.T) {
	c := corpus(t, clustered(300, 120, 5), movielens.ImportOptions{})
	fit := func(fixed map[string]float64) *models.Model {
		m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindEASE}, NoTuning: true, Fixed: fixed})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain := fit(map[string]float64{})
	blended := fit(map[string]float64{"low-pass": 0.3, "low-pass-rank": 8, "knn-blend": 0.2, "recency-rank": 1})
	if p := blended.Params; p.LowPass != 0.3 || p.LowPassRank != 8 || p.KNN != 0.2 || p.Scoring.RecencyRank != 1 {
		t.Fatalf("Params = %+v, want the fixed blend", p)
	}
	differ := 0
	for _, st := range c.States {
		var lists [2][]string
		for k, m := range []*models.Model{plain, blended} {
			resp, err := Ranker(m, c.Catalog, time.Now).Rank(st, recommend.Request{CustomerID: st.CustomerID, N: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range resp.Items {
				exact(t, st.CustomerID, it)
				lists[k] = append(lists[k], it.ItemID)
			}
		}
		if !slices.Equal(lists[0], lists[1]) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("the blended model ranked every customer as plain EASE did")
	}
}

// exact fails the test unless customer's item's reasons sum to its score.
func exact(t *testing.T, customer string, it recommend.Item) {
	t.Helper()
	sum := 0.0
	for _, r := range it.Reasons {
		sum += r.Contribution
	}
	if math.Abs(sum-it.Score) > 1e-9 {
		t.Fatalf("%s, item %s: reasons sum %v, score %v", customer, it.ItemID, sum, it.Score)
	}
}
