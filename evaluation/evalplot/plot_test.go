package evalplot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/models"
)

func TestCurve(t *testing.T) {
	var results []evaluation.Result
	for m, k := range models.Kinds {
		r := evaluation.Result{Model: k, Measurement: evaluation.Measurement{K: 10, ByLevel: map[string]evaluation.Metrics{}}}
		for n, l := range evaluation.Levels {
			r.ByLevel[l] = evaluation.Metrics{Users: 3, NDCG: 0.1 * float64(n+m)}
		}
		r.Metrics = evaluation.Metrics{Users: 12, NDCG: 0.2}
		results = append(results, r)
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
	r := []evaluation.Result{{Model: models.KindEASE, Measurement: evaluation.Measurement{K: 10}}}
	if err := Curve(r, filepath.Join(dir, "noext")); err == nil {
		t.Error("no extension: want an error")
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "out.txt"):       "name it .eps, .jpg",
		filepath.Join(dir, "nope", "x.png"): "does not exist",
	} {
		if err := CheckPath(path); err == nil || !strings.Contains(candor.ErrorMessage(err), want) {
			t.Errorf("CheckPath(%s) = %v, want a message containing %q", path, err, want)
		}
	}
	for _, name := range []string{"curve.svg", "curve.PNG"} { // gonum/plot takes either case
		if err := CheckPath(filepath.Join(dir, name)); err != nil {
			t.Errorf("CheckPath(%s) in an existing folder: %v", name, err)
		}
	}
}
