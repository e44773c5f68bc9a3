package main

import (
	"fmt"
	"image/color"
	"io"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series is one line: a percentile of latency in each one-second window.
type series struct {
	name  string
	q     float64 // 1 is the maximum
	phase func(*RateRun) *PhaseResult
	color color.Color
}

var plotted = []series{
	{"recommendations p50", 0.50, func(r *RateRun) *PhaseResult { return r.Recommend }, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 255}},
	{"recommendations p99", 0.99, func(r *RateRun) *PhaseResult { return r.Recommend }, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255}},
	{"recommendations max", 1, func(r *RateRun) *PhaseResult { return r.Recommend }, color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 255}},
	{"/readyz p99", 0.99, func(r *RateRun) *PhaseResult { return r.Readyz }, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}},
	{"raw read p99", 0.99, func(r *RateRun) *PhaseResult { return r.RawRead }, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 255}},
}

// windows returns, for each whole second of the phase, the q-quantile of the
// latencies of the requests due in it, in milliseconds.
func windows(samples []sample, q float64) plotter.XYs {
	var buckets [][]time.Duration
	for _, s := range samples {
		sec := int(max(s.at-1, 0) / time.Second) // due times are in (0, duration]
		for len(buckets) <= sec {
			buckets = append(buckets, nil)
		}
		buckets[sec] = append(buckets[sec], s.latency)
	}
	xys := make(plotter.XYs, 0, len(buckets))
	for sec, b := range buckets {
		if len(b) == 0 {
			continue
		}
		slices.Sort(b)
		xys = append(xys, plotter.XY{X: float64(sec) + 0.5, Y: max(ms(quantile(b, q)), 0.001)})
	}
	return xys
}

// WritePNG draws latency over time, one panel per rate.
func (r *Report) WritePNG(w io.Writer) error {
	if len(r.Runs) == 0 {
		return fmt.Errorf("no runs to plot")
	}
	rows := make([][]*plot.Plot, len(r.Runs))
	for i := range r.Runs {
		run := &r.Runs[i]
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%d req/s, %d items, %d customers (load avg %s)", run.Rate, r.Scale.Items, r.Scale.Customers, run.LoadAverage)
		p.X.Label.Text = "seconds into the phase"
		p.Y.Label.Text = "latency per 1 s window (ms, log scale)"
		// Log scale: a stall of seconds and a p50 of a millisecond on one chart.
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Add(plotter.NewGrid())
		for _, s := range plotted {
			ph := s.phase(run)
			if ph == nil || len(ph.samples) == 0 {
				continue
			}
			l, err := plotter.NewLine(windows(ph.samples, s.q))
			if err != nil {
				return err
			}
			l.Color = s.color
			l.Width = vg.Points(1.2)
			p.Add(l)
			p.Legend.Add(s.name, l)
		}
		p.Legend.Top = true
		rows[i] = []*plot.Plot{p}
	}
	img := vgimg.New(vg.Points(900), vg.Points(340*float64(len(rows))))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter * 2, PadY: vg.Millimeter * 4}
	canvases := plot.Align(rows, tiles, dc)
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
