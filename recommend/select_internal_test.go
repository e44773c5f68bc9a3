package recommend

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// scored is a test model with its own scoring.
type scored struct {
	*recommendtest.Model
	sc models.Scoring
}

func (s scored) Scoring() models.Scoring { return s.sc }

// TestSelectionIsExact holds the selection (a bounded heap over touched
// items, then popularity lists cut by score bounds) to a brute force that
// scores every eligible item of the catalog.
func TestSelectionIsExact(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(31, 31))
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	for round := range 300 {
		cat, base := recommendtest.World(uint64(round%7), 120)
		sc := models.DefaultScoring()
		sc.Prior, sc.Declared = []float64{0, 0.01, 0.3}[rng.IntN(3)], []float64{0, 0.05, 2}[rng.IntN(3)]
		sc.DeclaredAlone = []float64{0, 0.3, 5}[rng.IntN(3)]
		sc.PriorFew = []float64{0, 1, 100}[rng.IntN(3)]
		m := scored{base, sc}
		st := randomState(rng, now, cats)
		req := Request{CustomerID: "c", N: 1 + rng.IntN(40), Now: now}
		if rng.IntN(3) == 0 {
			req.ItemID = fmt.Sprintf("i%03d", rng.IntN(120))
		}
		svc := NewService(Deps{Model: func() Model { return m }, Catalog: func() *catalog.Snapshot { return cat },
			Feedback: func(map[string]string) features.FeedbackState {
				return features.FeedbackState{HiddenCategories: map[string]bool{cats[round%5]: round%4 == 0}}
			}}, Config{})
		resp, err := svc.Rank(st, req)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(resp.Items))
		for i, it := range resp.Items {
			got[i] = it.ItemID
		}
		if want := bruteForce(svc, m, cat, st, &req); !slices.Equal(got, want) {
			t.Fatalf("round %d (n=%d, prior %g +%g/n², declared %g):\n got  %v\n want %v", round, req.N, sc.Prior, sc.PriorFew, sc.Declared, got, want)
		}
		for _, it := range resp.Items {
			sum := 0.0
			for _, r := range it.Reasons {
				sum += r.Contribution
			}
			if math.Abs(sum-it.Score) > 1e-9*max(1, math.Abs(it.Score)) {
				t.Fatalf("round %d: %s scores %v, its reasons sum to %v", round, it.ItemID, it.Score, sum)
			}
		}
	}
}

// cancelling is a test model whose weights are all ±0.5, so the evidence
// of equal weight often sums to exactly 0 for an item it reached.
type cancelling struct{ scored }

func (c cancelling) Neighbours(i int32) ([]int32, []float32) {
	nbr, _ := c.scored.Neighbours(i)
	w := make([]float32, len(nbr))
	for k, j := range nbr {
		w[k] = 0.5 - float32((uint32(i)*2654435761^uint32(j)*40503)>>31) // a sign from a hash of the pair
	}
	return nbr, w
}

// TestSelectionIsExactWhenSumsCancel: items the evidence reached whose
// sums are exactly 0 (reached, scored by their non-personal parts alone)
// are selected as the brute force, which scores every item, selects them.
func TestSelectionIsExactWhenSumsCancel(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(37, 37))
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	sc := models.DefaultScoring()
	sc.View, sc.Context, sc.Prior, sc.Declared = 1, 1, 0.3, 0.05 // evidence of one count weighs 1, as a purchase
	zeros := 0
	for round := range 200 {
		cat, base := recommendtest.World(uint64(round%7), 120)
		m := cancelling{scored{base, sc}}
		st := randomState(rng, now, cats)
		req := Request{CustomerID: "c", N: 1 + rng.IntN(60), Now: now}
		svc := NewService(Deps{Model: func() Model { return m }, Catalog: func() *catalog.Snapshot { return cat }}, Config{})
		got, err := svc.RankIDs(st, req)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteForce(svc, m, cat, st, &req); !slices.Equal(got, want) {
			t.Fatalf("round %d (n=%d):\n got  %v\n want %v", round, req.N, got, want)
		}
		zeros += cancelledSums(m, st, &req)
	}
	if zeros == 0 {
		t.Fatal("no item's evidence summed to exactly 0 in a long history: the test tests nothing")
	}
}

// cancelledSums counts the items a long history (accumulate's scan of its
// marks) reached whose sums are exactly 0.
func cancelledSums(m Model, st *features.State, req *Request) int {
	a := getAcc(m.NumItems())
	defer putAcc(a)
	ev := gather(nil, m, st, req)
	accumulate(m, ev, a)
	if a.reach < 2*m.NumItems() {
		return 0
	}
	b := &accumulator{score: make([]float64, m.NumItems()), mark: make([]bool, m.NumItems())}
	accumulateFew(m, ev, b)
	n := 0
	for _, j := range b.touched {
		if b.score[j] == 0 {
			n++
		}
	}
	return n
}

func randomState(rng *rand.Rand, now time.Time, cats []string) *features.State {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range []consent.Scope{consent.Purchases, consent.Browsing, consent.Declared} {
		if rng.IntN(4) > 0 {
			recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: now, PolicyVersion: 1, Source: consent.SourceAPI}
		}
	}
	st := &features.State{CustomerID: "c", Decision: consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1}),
		Interactions: map[consent.Scope][]features.Interaction{}}
	for _, set := range []consent.Scope{consent.Purchases, consent.Browsing} {
		if st.Grant().Has(set) {
			for range rng.IntN(30) {
				st.Interactions[set] = append(st.Interactions[set], features.Interaction{Item: fmt.Sprintf("i%03d", rng.IntN(120)),
					Last: now.Add(-time.Duration(rng.IntN(1000)) * time.Hour), Count: 1 + rng.IntN(3)})
			}
		}
	}
	if st.Grant().Has(consent.Declared) {
		st.Declared = &features.Declared{Categories: []string{cats[rng.IntN(len(cats))], strings.ToUpper(cats[rng.IntN(len(cats))])}}
	}
	return st
}

// bruteForce scores every eligible model item and returns the best n IDs.
func bruteForce(s *Service, m Model, cat *catalog.Snapshot, st *features.State, req *Request) []string {
	acc := getAcc(m.NumItems())
	defer putAcc(acc)
	ev := gather(nil, m, st, req)
	accumulate(m, ev, acc)
	idx := s.popular.get(m, cat)
	f := newFilterer(m, idx, acc, st, s.feedbackOf(st), req, s.replen)
	np := newNonPersonal(m, idx, st, req, bestEligible(m, acc, f), len(ev))
	var all []pick
	for j := int32(0); int(j) < m.NumItems(); j++ {
		if why, _ := f.drop(j, m.ItemID(j)); why == "" {
			all = append(all, pick{j, acc.score[j] + np.sum(j)})
		}
	}
	slices.SortFunc(all, func(a, b pick) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(m.ItemID(a.j), m.ItemID(b.j))
	})
	var out []string
	for _, p := range all[:min(req.N, len(all))] {
		out = append(out, m.ItemID(p.j))
	}
	return out
}

// TestEvidenceOrder: a reason's evidence lists its leadEvidence largest
// contributions first (largest first, ties in gathering order), then all
// the others in gathering order, each exactly once.
func TestEvidenceOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var x explainer
	for c := range 2000 {
		n := rng.IntN(40)
		ev := make([]evidenceValue, n)
		for i := range ev {
			ev[i] = evidenceValue{id: fmt.Sprint("e", i), value: float64(rng.IntN(8)) / 4, at: int32(i)}
		}
		want := slices.Clone(ev)
		slices.SortStableFunc(want, func(a, b evidenceValue) int { return cmp.Compare(b.value, a.value) })
		if n > leadEvidence {
			lead := want[:leadEvidence]
			var rest []evidenceValue
			for _, e := range ev {
				if !slices.Contains(lead, e) {
					rest = append(rest, e)
				}
			}
			want = append(slices.Clone(lead), rest...)
		}
		x.order(ev)
		if !slices.Equal(ev, want) {
			t.Fatalf("case %d: %v, want %v", c, ev, want)
		}
	}
}

// TestCategoryNumbersMatchTheCatalog: candidates are matched to declared
// and hidden categories by number (popular.catID); an item is in a
// category exactly when the catalog files it there, whatever the case,
// and a category no item is filed under matches nothing.
func TestCategoryNumbersMatchTheCatalog(t *testing.T) {
	cat, m := recommendtest.World(3, 120)
	svc := NewService(Deps{Model: func() Model { return m }, Catalog: func() *catalog.Snapshot { return cat }}, Config{})
	idx := svc.popular.get(m, cat)
	names := []string{"kitchen", "garden", "books", "music", "toys", "health", "nowhere"}
	matched := 0
	for j := int32(0); int(j) < m.NumItems(); j++ {
		it, _ := cat.Get(m.ItemID(j))
		for _, c := range names {
			want := it != nil && slices.ContainsFunc(it.Category, func(x string) bool { return strings.EqualFold(x, c) })
			if got := idx.inCategory(j, c); got != want {
				t.Fatalf("item %s in %q: %v, catalog says %v (%v)", m.ItemID(j), c, got, want, it.Category)
			}
			if want {
				matched++
			}
		}
	}
	if matched == 0 || idx.catID("nowhere") != noCategory {
		t.Fatalf("%d matches; nowhere numbered %d", matched, idx.catID("nowhere"))
	}
	st := &features.State{CustomerID: "c", Declared: &features.Declared{Categories: []string{"BOOKS", "nowhere"}},
		Decision: consent.Evaluate(map[consent.Scope]consent.Record{consent.Declared: {Scope: consent.Declared, State: consent.Granted, Time: time.Now(), PolicyVersion: 1, Source: consent.SourceAPI}},
			consent.Request{Now: time.Now(), PolicyVersion: 1})}
	np := newNonPersonal(m, idx, st, &Request{}, 0, 0)
	if len(np.ids) != 2 || np.ids[0] != idx.catID("books") || np.ids[1] != noCategory {
		t.Fatalf("declared BOOKS, nowhere numbered %v", np.ids)
	}
}
