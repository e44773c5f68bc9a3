// Package evalplot draws the privacy/utility curve of an offline evaluation:
// for each model, nDCG@k under consent scenarios ordered from least to most
// personal data. It is separate from models so that servers do not link the
// plotting library.
package evalplot

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/models"
)

// Curve writes the privacy/utility curve of results to path; the extension
// (.png, .svg, .pdf) picks the format. Scenarios are placed in
// models.Scenarios order, one line per model.
func Curve(results []models.Result, path string) error {
	p, err := curve(results)
	if err != nil {
		return err
	}
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if ext == "" {
		return candor.Errorf(candor.EInvalid, "plot file %q needs an extension such as .png", path)
	}
	if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
		return candor.Wrap("evalplot.Curve", err)
	}
	return nil
}

// curve builds the plot.
func curve(results []models.Result) (*plot.Plot, error) {
	if len(results) == 0 {
		return nil, candor.Errorf(candor.EInvalid, "no results to plot")
	}
	scenarios := present(results)
	p := plot.New()
	p.Title.Text = "Privacy / utility"
	p.Y.Label.Text = fmt.Sprintf("nDCG@%d", results[0].K)
	p.X.Label.Text = "consent scenario (less → more personal data; mix: one of the others per user)"
	p.Y.Min = 0
	labels := make([]string, len(scenarios))
	for i, s := range scenarios {
		labels[i] = string(s)
	}
	p.NominalX(labels...)
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

// present returns the scenarios that occur in results, in canonical order.
func present(results []models.Result) []models.Scenario {
	var out []models.Scenario
	for _, s := range models.Scenarios {
		if slices.ContainsFunc(results, func(r models.Result) bool { return r.Scenario == s }) {
			out = append(out, s)
		}
	}
	return out
}

// kinds returns the models of results in order of first appearance.
func kinds(results []models.Result) []models.Kind {
	var out []models.Kind
	for _, r := range results {
		if !slices.Contains(out, r.Model) {
			out = append(out, r.Model)
		}
	}
	return out
}

// points returns one model's nDCG per scenario position.
func points(results []models.Result, kind models.Kind, scenarios []models.Scenario) plotter.XYs {
	var pts plotter.XYs
	for x, s := range scenarios {
		for _, r := range results {
			if r.Model == kind && r.Scenario == s {
				pts = append(pts, plotter.XY{X: float64(x), Y: r.NDCG})
			}
		}
	}
	return pts
}
