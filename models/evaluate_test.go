package models

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// clusteredDataset has two groups of users with disjoint tastes, so any
// personal model must beat popularity.
func clusteredDataset(tb testing.TB) *Dataset {
	tb.Helper()
	ds := &Dataset{Items: map[string]ItemInfo{}}
	d := randomData(tb, 400, 60, 10, 9)
	for _, r := range d.Rows {
		item := d.Items[r.Item]
		if r.User%2 == 1 {
			item = "odd-" + item
		}
		ds.Interactions = append(ds.Interactions, Interaction{User: string(rune(r.User + 'A')), Item: item, Value: float64(r.Value)})
		genre := "even"
		if strings.HasPrefix(item, "odd-") {
			genre = "odd"
		}
		ds.Items[item] = ItemInfo{Title: item, Genres: []string{genre}}
	}
	return ds
}

func TestEvaluate(t *testing.T) {
	res, err := Evaluate(context.Background(), EvalOptions{Dataset: clusteredDataset(t), Scenarios: Scenarios,
		Train: TrainOptions{Lambda: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res), len(Kinds)*len(Scenarios); got != want {
		t.Fatalf("%d results, want %d", got, want)
	}
	ndcg := map[string]float64{}
	for _, r := range res {
		if r.Users == 0 || r.NDCG < 0 || r.NDCG > 1 || r.Coverage <= 0 || r.Coverage > 1 {
			t.Errorf("implausible result %+v", r)
		}
		ndcg[string(r.Model)+"/"+string(r.Scenario)] = r.NDCG
	}
	for _, tt := range []struct{ better, worse string }{
		{"itemknn/full", "popularity/full"},
		{"ease/full", "popularity/full"},
		{"ease/declared-only", "ease/none"},
	} {
		if ndcg[tt.better] <= ndcg[tt.worse] {
			t.Errorf("nDCG %s = %.3f, not above %s = %.3f", tt.better, ndcg[tt.better], tt.worse, ndcg[tt.worse])
		}
	}
	if ndcg["ease/none"] != ndcg["popularity/none"] {
		t.Errorf("without consent every model should serve popularity: ease %v, popularity %v", ndcg["ease/none"], ndcg["popularity/none"])
	}
}

func TestResultJSONNames(t *testing.T) {
	b, err := json.Marshal(Result{Model: KindEASE, Scenario: ScenarioFull})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"model", "scenario", "ndcg_at_k", "precision_at_k", "recall_at_k", "map_at_k", "coverage", "train_seconds"} {
		if !strings.Contains(string(b), `"`+name+`":`) {
			t.Errorf("JSON %s lacks %q", b, name)
		}
	}
}

func TestEvaluateRejectsBadOptions(t *testing.T) {
	ds := clusteredDataset(t)
	for _, o := range []EvalOptions{
		{},
		{Dataset: ds, Models: []Kind{"bpr"}},
		{Dataset: ds, Split: "time"},
		{Dataset: ds, TestRatio: 2},
	} {
		if _, err := Evaluate(context.Background(), o); err == nil {
			t.Errorf("Evaluate(%+v) succeeded", o)
		}
	}
	if _, err := ParseScenarios("some"); err == nil {
		t.Error("ParseScenarios accepted an unknown scenario")
	}
}
