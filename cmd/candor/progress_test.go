package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

// TestProgressWithoutTerminal: a log gets one line per phase and one per
// 10 s of a long phase, never a bar.
func TestProgressWithoutTerminal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		step  time.Duration // clock advance per reading
		steps int           // updates in the long phase
		want  []string
	}{
		{"fast", time.Millisecond, 1000, []string{"catalog: done, 2,400 in 0s", "ratings: done, 1,000 in 1s", "training: done, 5 in 0s"}},
		{"slow", 100 * time.Millisecond, 250, []string{"catalog: done, 2,400 in 300ms",
			"ratings: 99 of 250 (39%)", "ratings: 199 of 250 (79%)", "ratings: done, 250 in 25.2s", "training: done, 5 in 600ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			clock := &fakeClock{t: time.Unix(0, 0), step: tc.step}
			p := newProgressOn(&out, false, clock.now)
			p.Start("catalog", 2400)
			p.Add(2400)
			p.Start("ratings", tc.steps)
			for i := 0; i < tc.steps; i++ {
				p.Add(1)
			}
			for i := 1; i <= 5; i++ {
				p.Report("training", i, -1) // the models.TrainOptions.Progress shape
			}
			p.Finish()
			p.Finish() // twice is harmless
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestProgressOnTerminal: the bar draws and each phase still ends with its
// done line.
func TestProgressOnTerminal(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0), step: time.Second}
	p := newProgressOn(&out, true, clock.now)
	p.Start("catalog", 10)
	p.Add(10)
	p.Finish()
	if !strings.Contains(out.String(), "catalog: done, 10 in 1s") || !strings.Contains(out.String(), "\r") {
		t.Errorf("terminal output %q", out.String())
	}
}

func TestSummaries(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{thousands(0), "0"}, {thousands(999), "999"}, {thousands(27691), "27,691"}, {thousands(-1234567), "-1,234,567"},
		{count(1, "entry", "entries"), "1 entry"}, {count(2400, "item", "items"), "2,400 items"},
		{tally(map[string]int{"full": 610, "none": 90, "basic": 250, "zero": 0}), "610 full, 250 basic and 90 none"},
		{tally(map[string]int{"full": 30}), "30 full"},
		{loadSummary{Items: 52, Customers: 30, Consent: map[string]int{"full": 18, "basic": 8, "none": 4}, Events: 240, EventName: "ratings",
			Stored: 200, Dropped: 40, Skipped: 1}.String(),
			"52 items, 30 customers (consent: 18 full, 8 basic and 4 none), 240 ratings (200 stored, 40 dropped by the consent gate), 1 malformed line skipped"},
		{loadSummary{Items: 1, Customers: 1, Events: 0}.String(), "1 item, 1 customer, 0 events (0 stored, 0 dropped by the consent gate)"},
		{loadSummary{Items: 2, Customers: 1, Events: 2500, Stored: 1000, Dropped: 300, Old: 1200}.String(),
			"2 items, 1 customer, 2,500 events (1,000 stored, 300 dropped by the consent gate, 1,200 older than retention)"},
		{metricsSummary(map[string]float64{"users_evaluated": 700, "ndcg_at_10": 0.4712, "x": 1}),
			"  nDCG@10 (ranking quality on held-out data)  0.471\n  customers evaluated                         700\n  x                                           1.000\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
