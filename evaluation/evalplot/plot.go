// Package evalplot draws the privacy/utility curve of an offline evaluation:
// for each model, the nDCG@k the scorer served to customers of each consent
// level, from least to most personal data, and to all of them. It is
// separate from evaluation so that servers do not link the plotting
// library.
package evalplot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/models"
)

// formats are the file extensions Curve writes (gonum/plot's, which match
// them whatever their case).
var formats = []string{"eps", "jpg", "jpeg", "pdf", "png", "svg", "tex", "tif", "tiff"}

// CheckPath reports why Curve could not write path, so that a command can
// say so before an evaluation that takes minutes.
func CheckPath(path string) error {
	if ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")); !slices.Contains(formats, ext) {
		return candor.Errorf(candor.EInvalid, "plot file %q: name it .%s", path, strings.Join(formats, ", ."))
	}
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return candor.Errorf(candor.EInvalid, "plot file %q: folder %s does not exist", path, dir)
	case err != nil:
		return candor.Errorf(candor.EInvalid, "plot file %q: folder %s: %v", path, dir, err)
	case !fi.IsDir():
		return candor.Errorf(candor.EInvalid, "plot file %q: %s is not a folder", path, dir)
	}
	return nil
}

// Curve writes the privacy/utility curve of results to path; the extension
// (.png, .svg, .pdf) picks the format. Levels are placed in
// evaluation.Levels order, then "all", one line per model.
func Curve(results []evaluation.Result, path string) error {
	p, err := curve(results)
	if err != nil {
		return err
	}
	if err := CheckPath(path); err != nil {
		return err
	}
	if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
		return candor.Wrap("evalplot.Curve", err)
	}
	return nil
}

// curve builds the plot.
func curve(results []evaluation.Result) (*plot.Plot, error) {
	if len(results) == 0 {
		return nil, candor.Errorf(candor.EInvalid, "no results to plot")
	}
	scenarios := present(results)
	p := plot.New()
	p.Title.Text = "Privacy / utility"
	p.Y.Label.Text = fmt.Sprintf("nDCG@%d", results[0].K)
	p.X.Label.Text = "customers' consent level (less → more personal data)"
	p.Y.Min = 0
	p.NominalX(scenarios...)
	for n, kind := range kinds(results) {
		pts := points(results, kind, scenarios)
		line, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, candor.Wrap("evalplot.curve", err)
		}
		c := plotutil.Color(n)
		line.Color, dots.Color = c, c
		dots.Shape = plotutil.Shape(n)
		p.Add(line, dots)
		p.Legend.Add(string(kind), line, dots)
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

// all names the point of every customer together.
const all = "all"

// present returns the levels that occur in results, in canonical order,
// then all.
func present(results []evaluation.Result) []string {
	var out []string
	for _, l := range evaluation.Levels {
		if slices.ContainsFunc(results, func(r evaluation.Result) bool { return r.ByLevel[l].Users > 0 }) {
			out = append(out, l)
		}
	}
	return append(out, all)
}

// kinds returns the models of results in order of first appearance.
func kinds(results []evaluation.Result) []models.Kind {
	var out []models.Kind
	for _, r := range results {
		if !slices.Contains(out, r.Model) {
			out = append(out, r.Model)
		}
	}
	return out
}

// points returns one model's nDCG per level position.
func points(results []evaluation.Result, kind models.Kind, levels []string) plotter.XYs {
	var pts plotter.XYs
	for x, l := range levels {
		for _, r := range results {
			m, ok := r.ByLevel[l]
			if l == all {
				m, ok = r.Metrics, true
			}
			if r.Model == kind && ok && m.Users > 0 {
				pts = append(pts, plotter.XY{X: float64(x), Y: m.NDCG})
			}
		}
	}
	return pts
}
