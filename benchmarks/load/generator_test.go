package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets the test binary be the harness's load generator process,
// as the harness starts it (os.Executable with envGenerator set).
func TestMain(m *testing.M) {
	if os.Getenv(envGenerator) != "" {
		if err := serveGenerator(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fallbackServer answers /fallback with a recommendation that fell back and
// anything else with a personal one, and counts the requests by path.
func fallbackServer(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	var fell, personal atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/fallback" {
			fell.Add(1)
			_, _ = io.WriteString(w, `{"items":[],"fallback":{"active":true,"reason":"timeout"}}`)
			return
		}
		personal.Add(1)
		_, _ = io.WriteString(w, `{"items":[],"fallback":{"active":false}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &fell, &personal
}

// The generator process runs a phase as the harness would in its own
// process: every request sent, in the order of the phase's paths, with its
// header, each answer checked, every sample kept, and its CPU reported.
func TestGeneratorProcessRunsThePhase(t *testing.T) {
	srv, fell, personal := fallbackServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g, err := startGenerator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := phase{name: "recommendations", base: srv.URL, header: http.Header{"Authorization": {"Bearer k"}}, rate: 100, duration: 400 * time.Millisecond,
		degraded: recommendationFallback, path: func(seq uint64) string { return []string{"/fallback", "/personal"}[seq%2] }}
	for turn := range 2 { // the process serves one phase after another
		r, cpu, err := g.run(p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests != 40 || r.Codes["200"] != 40 || r.Errors != 0 || len(r.samples) != r.Requests {
			t.Fatalf("turn %d: %d requests (%v), %d errors (%s), %d samples; want 40 answered 200", turn, r.Requests, r.Codes, r.Errors, r.FirstError, len(r.samples))
		}
		if r.Degraded != 20 || r.ByReason["timeout"] != 20 || r.Name != "recommendations" || r.Achieved <= 0 || r.gaps != 39 || cpu <= 0 {
			t.Errorf("turn %d: degraded %d %v, name %q, achieved %v, gaps %d, cpu %v", turn, r.Degraded, r.ByReason, r.Name, r.Achieved, r.gaps, cpu)
		}
		// Samples come in the order answers arrived; each is due at its
		// request's slot of the schedule (10 ms apart at 100/s).
		due := make([]time.Duration, len(r.samples))
		for i, s := range r.samples {
			if s.latency <= 0 {
				t.Fatalf("turn %d: sample %d = %+v", turn, i, s)
			}
			due[i] = s.at
		}
		slices.Sort(due)
		for i, at := range due {
			if want := time.Duration(i+1) * 10 * time.Millisecond; at != want {
				t.Fatalf("turn %d: request %d due at %v, want %v", turn, i, at, want)
			}
		}
	}
	if fell.Load() != 40 || personal.Load() != 40 {
		t.Errorf("server saw %d fallback and %d personal requests, want 40 each", fell.Load(), personal.Load())
	}
	if err := g.close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// A job the generator cannot run is an error of the run, and a failed
// generator fails the phases after it instead of measuring nothing.
func TestGeneratorFailures(t *testing.T) {
	for _, j := range []genJob{
		{Name: "x", Rate: 10, Duration: time.Second, Paths: []string{"/"}, Degraded: "mystery"},
		{Name: "x", Rate: 10, Duration: time.Second},
		{Name: "x", Rate: 0, Duration: time.Second, Paths: []string{"/"}},
	} {
		if res := runJob(context.Background(), j); res.Err == "" || res.Result != nil {
			t.Errorf("job %+v ran: %+v", j, res)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	g, err := startGenerator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the generator process is killed
	_ = g.cmd.Wait()
	b := &bench{gen: g}
	p := phase{name: "readyz", base: "http://127.0.0.1:1", rate: 10, duration: 100 * time.Millisecond, path: func(uint64) string { return "/readyz" }}
	for range 2 {
		if r := b.attack(context.Background(), p); r.Errors != 1 || r.Requests != 0 || !strings.Contains(r.FirstError, "load generator") {
			t.Errorf("phase after the generator died: %+v", r)
		}
	}
	if b.genErr == nil {
		t.Errorf("no generator error kept")
	}
}
