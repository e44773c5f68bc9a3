package evaluation

import (
	"context"
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/movielens"
)

func TestFoldsFor(t *testing.T) {
	for _, tt := range []struct{ n, customers, want int }{
		{75_000, 610, 3}, {75_000, 943, 3}, {75_000, 1000, 2}, {75_000, 1999, 2}, {75_000, 2000, 1}, {75_000, 50_000, 1},
		{FoldsBudget, 100, 3}, {FoldsBudget + 1, 100, 1}, {10_000_000, 300_000, 1}, {0, 0, 1},
	} {
		if got := FoldsFor(tt.n, tt.customers, 2000); got != tt.want {
			t.Errorf("FoldsFor(%d interactions, %d customers, 2000) = %d, want %d", tt.n, tt.customers, got, tt.want)
		}
	}
}

// TestValidationSplitsAreFolds: each fold holds out another quarter of
// the same customers (seeds Seed, Seed+1, …), and λ is scaled from the
// folds' mean training interactions.
func TestValidationSplitsAreFolds(t *testing.T) {
	c := corpus(t, clustered(120, 60, 4), movielens.ImportOptions{})
	splits, fitted, err := validationSplits(c, Options{ValidationFolds: 3}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if len(splits) != 3 {
		t.Fatalf("%d folds, want 3", len(splits))
	}
	sum := 0
	for i, sp := range splits {
		if got, want := sp.train.Interactions()+countRelevant(sp.test), c.Interactions(); got != want {
			t.Errorf("fold %d: %d interactions trained on and held out, want the corpus's %d", i, got, want)
		}
		if len(sp.train.States) != len(c.States) {
			t.Errorf("fold %d: %d customers, want %d", i, len(sp.train.States), len(c.States))
		}
		for j := range i {
			if sameRelevant(sp.test, splits[j].test) {
				t.Errorf("folds %d and %d hold out the same items", j, i)
			}
		}
		sum += sp.train.Interactions()
	}
	if want := float64(sum) / 3; fitted != want {
		t.Errorf("fitted %g, want the folds' mean %g", fitted, want)
	}
	one, _, err := validationSplits(c, Options{Seed: 2, ValidationFolds: 1}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if !sameRelevant(one[0].test, splits[1].test) {
		t.Error("the second fold is not the split of seed Seed+1")
	}
}

func sameRelevant(a, b Relevant) bool {
	return maps.EqualFunc(a, b, func(x, y map[string]bool) bool { return maps.Equal(x, y) })
}

// TestSettingScoresTheMeanOfItsFolds: validation judges a setting by its
// mean nDCG@10 over the folds, each fold ranked by a model fitted on it.
func TestSettingScoresTheMeanOfItsFolds(t *testing.T) {
	c := corpus(t, clustered(120, 60, 4), movielens.ImportOptions{})
	o := Options{Train: models.TrainOptions{Kind: models.KindEASE}, ValidationFolds: 3}.withDefaults()
	splits, _, err := validationSplits(c, o)
	if err != nil {
		t.Fatal(err)
	}
	tu := newTuner(context.Background(), splits, c.Interactions(), o)
	sc, reg := models.DefaultScoring(), models.Reg{Lambda: 20}
	got := tu.score(sc, reg)
	var each []float64
	sum := 0.0
	for _, f := range tu.folds {
		s, err := tu.scoreFold(f, sc, reg, groupAll)
		if err != nil {
			t.Fatal(err)
		}
		each = append(each, s)
		sum += s
	}
	if want := sum / 3; math.Abs(got-want) > 1e-12 {
		t.Errorf("score %g, want the folds' mean %g (folds %v)", got, want, each)
	}
	if each[0] == each[1] && each[1] == each[2] {
		t.Errorf("every fold scored %g: the folds are not different splits", each[0])
	}
	if tu.trials != 3 {
		t.Errorf("%d fits scored for one setting on 3 folds, want 3", tu.trials)
	}
}

// TestNoteSaysTheFolds: a model validated on several folds says so.
func TestNoteSaysTheFolds(t *testing.T) {
	c := corpus(t, clustered(120, 60, 4), movielens.ImportOptions{})
	for _, tt := range []struct {
		folds int
		want  bool
	}{{1, false}, {2, true}} {
		m, err := Fit(context.Background(), c, Options{Train: models.TrainOptions{Kind: models.KindItemKNN}, ValidationFolds: tt.folds})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(m.Scoring().Note, " × 2 folds"); got != tt.want {
			t.Errorf("%d folds: note %q says the folds: %v, want %v", tt.folds, m.Scoring().Note, got, tt.want)
		}
	}
}
