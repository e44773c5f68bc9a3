package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
	"github.com/candorhq/candor/rules"
)

// personalShare returns the share of a list's score from personal data.
func personalShare(resp *recommend.Response) float64 {
	var personal, total float64
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			v := max(r.Contribution, -r.Contribution)
			total += v
			if r.FeatureSet != "none" && r.FeatureSet != "context" && r.FeatureSet != "rules" {
				personal += v
			}
		}
	}
	return personal / total
}

// ids returns a response's item IDs in order.
func ids(resp *recommend.Response) []string {
	out := make([]string, len(resp.Items))
	for i, it := range resp.Items {
		out[i] = it.ItemID
	}
	return out
}

// aged returns n purchases of distinct items, the newest age old.
func aged(items []string, age time.Duration) []features.Interaction {
	out := make([]features.Interaction, len(items))
	for i, id := range items {
		out[i] = features.Interaction{Item: id, Last: now.Add(-age - time.Duration(len(items)-i)*24*time.Hour), Count: 1}
	}
	return out
}

// TestOldHistoryStillCounts: recency is relative to the customer's own
// latest interaction, so 20 purchases five years old rank exactly as the
// same purchases made last month, and the list is mostly personal.
func TestOldHistoryStillCounts(t *testing.T) {
	cat, m := recommendtest.World(21, 240)
	history := make([]string, 20)
	for i := range history {
		history[i] = fmt.Sprintf("i%03d", i)
	}
	old := stateWith("old", full(), nil, nil, nil)
	old.Interactions[consent.Purchases] = aged(history, 5*365*24*time.Hour)
	recent := stateWith("recent", full(), nil, nil, nil)
	recent.Interactions[consent.Purchases] = aged(history, 30*24*time.Hour)
	r := &fakeReader{states: map[string]*features.State{"old": old, "recent": recent}}
	svc := newService(r, cat, m)
	a, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "old", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := svc.Recommend(context.Background(), recommend.Request{CustomerID: "recent", N: 10})
	if len(a.Items) != 10 || !slices.Equal(ids(a), ids(b)) {
		t.Errorf("five-year-old history ranks %v, the same history last month %v", ids(a), ids(b))
	}
	if share := personalShare(a); share <= 0.5 {
		t.Errorf("personal parts are %.2f of the score, want the majority", share)
	}
	for _, it := range a.Items {
		if it.Reasons[0].Kind != recommend.KindBoughtTogether {
			t.Errorf("%s: first reason %s, want bought_together", it.ItemID, it.Reasons[0].Kind)
		}
	}
	if a.Items[0].Reasons[0].Contribution < 10*a.Items[0].Reasons[len(a.Items[0].Reasons)-1].Contribution {
		t.Errorf("top item's reasons %+v: popularity is not a tie-breaker", a.Items[0].Reasons)
	}
}

// oneCategory returns the world's catalog with every item in one category.
func oneCategory(cat *catalog.Snapshot) *catalog.Snapshot {
	items := slices.Clone(cat.Items())
	for i := range items {
		items[i].Category = []string{"movies"}
		items[i].Available = true
	}
	return catalog.NewSnapshot(items, nil)
}

// TestFullListsInOneCategory: n items come back whenever n are eligible,
// also when every item shares one category and a diversity rule caps each
// category at 3 (it backfills instead of shortening the list).
func TestFullListsInOneCategory(t *testing.T) {
	world, m := recommendtest.World(22, 240)
	cat := oneCategory(world)
	div, err := rules.Compile(rules.Ruleset{Name: "default", Version: 2, Rules: []rules.Rule{
		{ID: "mix", Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	bought := make([]string, 100)
	for i := range bought {
		bought[i] = fmt.Sprintf("i%03d", i)
	}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), bought, nil, nil)}}
	for _, rs := range []*rules.Compiled{nil, div} {
		svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
			Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
			Rules: func() *rules.Compiled { return rs }}, recommend.Config{})
		for _, n := range []int{10, 100} {
			resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: n})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Items) != n || resp.Short != nil {
				t.Errorf("rules %v, n=%d: %d items (short %+v)", rs != nil, n, len(resp.Items), resp.Short)
			}
			for _, it := range resp.Items {
				if slices.Contains(bought, it.ItemID) {
					t.Errorf("bought item %s shown", it.ItemID)
				}
			}
		}
	}
}

// TestShortListSaysWhy: with fewer eligible items than asked for, the list
// holds all of them and says why the rest cannot be shown.
func TestShortListSaysWhy(t *testing.T) {
	world, m := recommendtest.World(23, 60)
	cat := oneCategory(world)
	var bought []string
	for i := 3; i < 60; i++ {
		bought = append(bought, fmt.Sprintf("i%03d", i))
	}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), bought, nil, nil)}}
	svc := newService(r, cat, m)
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sortedIDs(resp), []string{"i000", "i001", "i002"}) {
		t.Fatalf("items %v, want the three not bought", ids(resp))
	}
	sh := resp.Short
	if sh == nil || sh.Requested != 10 || sh.Returned != 3 || sh.Excluded[recommend.DropPurchased] != 57 || !strings.Contains(sh.Message, "57 were already bought or rated") {
		t.Errorf("short = %+v", sh)
	}
	tr, err := svc.Preview(context.Background(), recommend.Request{CustomerID: "c", N: 10}, nil, nil)
	if err != nil || tr.Short == nil || tr.Short.Returned != 3 {
		t.Errorf("preview trace short = %+v, %v", tr.Short, err)
	}
}

func sortedIDs(resp *recommend.Response) []string {
	out := ids(resp)
	slices.Sort(out)
	return out
}

// TestRatedItemsAreRatedReasons: a rated purchase is explained as a rating,
// and is not shown again.
func TestRatedItemsAreRatedReasons(t *testing.T) {
	cat, m := recommendtest.World(24, 240)
	st := stateWith("c", full(), nil, nil, nil)
	st.Interactions[consent.Purchases] = []features.Interaction{{Item: "i001", Last: now, Count: 1, Rating: 4.5}, {Item: "i007", Last: now, Count: 1, Rating: 5}}
	svc := newService(&fakeReader{states: map[string]*features.State{"c": st}}, cat, m)
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	first := resp.Items[0].Reasons[0]
	if first.Kind != recommend.KindRated || first.FeatureSet != "purchases" || !strings.HasPrefix(first.Text, "Because you rated Item i00") {
		t.Errorf("first reason = %+v", first)
	}
	if slices.Contains(ids(resp), "i001") || slices.Contains(ids(resp), "i007") {
		t.Errorf("a rated item was shown again: %v", ids(resp))
	}
}

// TestPersonalListsBeatPopularity: customers with history get lists that
// differ from the popular list and are mostly personal; a popularity-only
// scorer fails this.
func TestPersonalListsBeatPopularity(t *testing.T) {
	cat, m := recommendtest.World(25, 240)
	r := &fakeReader{states: map[string]*features.State{}}
	svc := newService(r, cat, m)
	anon, err := svc.Recommend(context.Background(), recommend.Request{AnonymousID: "a", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 5 { // one customer per category (the sixth, health, is sensitive)
		id := fmt.Sprintf("c%d", c)
		var hist []string
		for k := range 8 {
			hist = append(hist, fmt.Sprintf("i%03d", c+6*k))
		}
		r.states[id] = stateWith(id, full(), hist, nil, nil)
		resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: id, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(ids(resp), ids(anon)) {
			t.Errorf("%s got the popular list", id)
		}
		if share := personalShare(resp); share <= 0.5 {
			t.Errorf("%s: personal share %.2f", id, share)
		}
		inCat := 0
		for _, it := range resp.Items {
			if it.Category[0] == cat.Items()[c].Category[0] {
				inCat++
			}
		}
		if inCat < 5 {
			t.Errorf("%s bought in %s, got %d of 10 items there", id, cat.Items()[c].Category[0], inCat)
		}
	}
}

// TestReplenishableCategories: bought items of a replenishable category may
// come back; others never.
func TestReplenishableCategories(t *testing.T) {
	cat, m := recommendtest.World(26, 240)
	var bought []string
	for k := range 10 {
		bought = append(bought, fmt.Sprintf("i%03d", 6*k)) // kitchen
	}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), bought, nil, nil)}}
	for _, replen := range [][]string{nil, {"kitchen"}} {
		svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
			Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} }},
			recommend.Config{Replenishable: replen})
		resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 20})
		if err != nil {
			t.Fatal(err)
		}
		again := 0
		for _, id := range ids(resp) {
			if slices.Contains(bought, id) {
				again++
			}
		}
		if (again > 0) != (replen != nil) {
			t.Errorf("replenishable %v: %d bought items shown again", replen, again)
		}
	}
}

// TestOlderPurchasesAreExcluded: purchases older than the items a bounded
// read returns with their scores come back as bare IDs; they are never
// evidence, and never shown again.
func TestOlderPurchasesAreExcluded(t *testing.T) {
	cat, m := recommendtest.World(27, 240)
	st := stateWith("c", full(), []string{"i001"}, nil, nil)
	resp0, _ := newService(&fakeReader{states: map[string]*features.State{"c": st}}, cat, m).Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	st.Older = ids(resp0)[:5] // bought long ago: the five best suggestions
	resp, err := newService(&fakeReader{states: map[string]*features.State{"c": st}}, cat, m).Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids(resp) {
		if slices.Contains(st.Older, id) {
			t.Errorf("%s was bought before and shown again", id)
		}
	}
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			for _, e := range r.Evidence {
				if slices.Contains(st.Older, e) {
					t.Errorf("older purchase %s used as evidence", e)
				}
			}
		}
	}
	if len(resp.Items) != 10 {
		t.Errorf("%d items", len(resp.Items))
	}
}

// TestRankIDsIsRank: the order offline evaluation reads is the order the
// API returns.
func TestRankIDsIsRank(t *testing.T) {
	cat, m := recommendtest.World(28, 240)
	rng := rand.New(rand.NewPCG(5, 6))
	svc := newService(&fakeReader{}, cat, m)
	for i := range 50 {
		st := stateWith("c", full(), randomIDs(rng, rng.IntN(10), 240), randomIDs(rng, rng.IntN(20), 240), []string{"books"})
		req := recommend.Request{CustomerID: "c", N: 1 + rng.IntN(40)}
		resp, err := svc.Rank(st, req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := svc.RankIDs(st, req)
		if !slices.Equal(got, ids(resp)) {
			t.Fatalf("request %d: RankIDs %v, Rank %v", i, got, ids(resp))
		}
	}
}

// TestDiversityLooksPastThePool: a diversity of one item per category
// gets one per category when the catalogue has them, although every item
// the customer's history ranks highest shares one category: the pool
// widens until other categories come in, instead of backfilling the list
// with the one category.
func TestDiversityLooksPastThePool(t *testing.T) {
	world, m := recommendtest.World(25, 240)
	bought := []string{"i000", "i001", "i002", "i003", "i004"}
	r := &fakeReader{states: map[string]*features.State{"c": stateWith("c", full(), bought, nil, nil)}}
	plain, err := newService(r, world, m).Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 100})
	if err != nil {
		t.Fatal(err)
	}
	// the 60 items ranked highest are all "movies"; the rest spread over 12 others
	category := map[string]string{}
	for i, it := range plain.Items {
		category[it.ItemID] = "movies"
		if i >= 60 {
			category[it.ItemID] = fmt.Sprintf("c%02d", i%12)
		}
	}
	items := slices.Clone(world.Items())
	for i := range items {
		if c, ok := category[items[i].ID]; ok {
			items[i].Category = []string{c}
		} else {
			items[i].Category = []string{"unranked"}
		}
		items[i].Available = true
	}
	cat := catalog.NewSnapshot(items, nil)
	div, err := rules.Compile(rules.Ruleset{Name: "default", Version: 2, Rules: []rules.Rule{
		{ID: "mix", Action: rules.Action{Type: rules.ActionDiversity, Field: "category", Max: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	svc := recommend.NewService(recommend.Deps{Reader: r, Model: func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat }, Request: func(bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1} },
		Rules: func() *rules.Compiled { return div }}, recommend.Config{})
	resp, err := svc.Recommend(context.Background(), recommend.Request{CustomerID: "c", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range resp.Items {
		seen[it.Category[0]] = true
	}
	if len(resp.Items) != 10 || len(seen) != 10 || resp.Items[0].ItemID != plain.Items[0].ItemID {
		t.Errorf("diversity of 1 per category: %d items in %d categories (%v), first %s; want 10 in 10, first %s",
			len(resp.Items), len(seen), seen, resp.Items[0].ItemID, plain.Items[0].ItemID)
	}
}
