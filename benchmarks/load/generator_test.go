package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets the test binary be the harness's load generator process,
// as the harness starts it (os.Executable with envGenerator naming it).
func TestMain(m *testing.M) {
	if isGenerator() {
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
// header, each answer checked, every sample kept, its CPU reported, and
// the measured window closed once the answers are in.
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
	var sent, wantFell int64
	for turn := range 2 { // the process serves one phase after another
		var opened, closed int64 = -1, -1
		w := window{open: func() { opened = fell.Load() + personal.Load() }, close: func() { closed = fell.Load() + personal.Load() }}
		r, cpu, err := g.run(ctx, p, w)
		if err != nil {
			t.Fatal(err)
		}
		// 100/s for 0.4 s is 40 requests; a stalled machine may drop the
		// last one or two (vegeta stops at the duration).
		n := r.Requests
		if n < 38 || n > 40 || r.Codes["200"] != n || r.Errors != 0 || len(r.samples) != n {
			t.Fatalf("turn %d: %d requests (%v), %d errors (%s), %d samples; want about 40 answered 200", turn, n, r.Codes, r.Errors, r.FirstError, len(r.samples))
		}
		if opened != sent || closed != sent+int64(n) {
			t.Errorf("turn %d: window opened after %d requests and closed after %d; want %d and %d", turn, opened, closed, sent, sent+int64(n))
		}
		sent += int64(n)
		wantFell += int64(n+1) / 2 // the even requests ask for /fallback
		if r.Degraded != (n+1)/2 || r.ByReason["timeout"] != (n+1)/2 || r.Name != "recommendations" || r.Achieved <= 0 || r.gaps != n-1 || cpu <= 0 {
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
	if fell.Load() != wantFell || fell.Load()+personal.Load() != sent {
		t.Errorf("server saw %d fallback and %d personal requests, want %d of %d", fell.Load(), personal.Load(), wantFell, sent)
	}
	if err := g.close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// A turn's job asks for the requests the turn would: request k of turn i
// is the phase's request k + i·rate·duration.
func TestJobOfATurn(t *testing.T) {
	p := phase{name: "x", rate: 40, duration: 2 * time.Second, path: func(seq uint64) string { return fmt.Sprint("/", seq) }}
	for i := range 3 {
		j := jobOf(p.turn(i, 500*time.Millisecond))
		if len(j.Paths) != 20+16 || j.Duration != 500*time.Millisecond || j.Rate != 40 || j.Degraded != "" {
			t.Fatalf("turn %d: job %q, %d paths, %v at %d/s", i, j.Name, len(j.Paths), j.Duration, j.Rate)
		}
		for k, got := range j.Paths {
			if want := fmt.Sprint("/", k+20*i); got != want {
				t.Fatalf("turn %d: request %d is %s, want %s", i, k, got, want)
			}
		}
	}
}

// A generator killed in the middle of a phase (the run's context ended)
// fails that phase with the context's error, at once.
func TestGeneratorKilledMidPhase(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	g, err := startGenerator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := phase{name: "readyz", base: srv.URL, rate: 20, duration: time.Minute, path: func(uint64) string { return "/readyz" }}
	time.AfterFunc(300*time.Millisecond, cancel)
	b := &bench{gen: g}
	r := b.attack(ctx, p, window{})
	if r.Errors != 1 || r.Requests != 0 || !strings.Contains(r.FirstError, "load generator: run readyz: context canceled") {
		t.Errorf("phase whose generator was killed: %+v", r)
	}
	if err := g.close(); err != nil {
		t.Errorf("close after the kill: %v", err)
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
		if r := b.attack(context.Background(), p, window{}); r.Errors != 1 || r.Requests != 0 || !strings.Contains(r.FirstError, "load generator") {
			t.Errorf("phase after the generator died: %+v", r)
		}
	}
	if b.genErr == nil {
		t.Errorf("no generator error kept")
	}
}

// Only the harness's own child is a generator: the variable must name its
// parent, so one left set in a shell leaves the harness a harness.
func TestIsGenerator(t *testing.T) {
	for value, want := range map[string]bool{"": false, "1x": false, strconv.Itoa(os.Getppid() + 1): false, strconv.Itoa(os.Getppid()): true} {
		t.Setenv(envGenerator, value)
		if got := isGenerator(); got != want {
			t.Errorf("%s=%q: generator %v, want %v", envGenerator, value, got, want)
		}
	}
}
