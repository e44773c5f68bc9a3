package evalplot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/candorhq/candor/models"
)

func TestCurve(t *testing.T) {
	var results []models.Result
	for n, s := range models.Scenarios {
		for m, k := range models.Kinds {
			results = append(results, models.Result{Model: k, Scenario: s, K: 10, NDCG: 0.1 * float64(n+m)})
		}
	}
	for _, name := range []string{"curve.png", "curve.svg"} {
		path := filepath.Join(t.TempDir(), name)
		if err := Curve(results, path); err != nil {
			t.Fatalf("Curve(%s): %v", name, err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

func TestCurveRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	if err := Curve(nil, filepath.Join(dir, "x.png")); err == nil {
		t.Error("no results: want an error")
	}
	r := []models.Result{{Model: models.KindEASE, Scenario: models.ScenarioFull, K: 10}}
	if err := Curve(r, filepath.Join(dir, "noext")); err == nil {
		t.Error("no extension: want an error")
	}
}
