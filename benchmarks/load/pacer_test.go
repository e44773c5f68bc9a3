package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestConstantRate checks rate control, not latency: a fake target counts
// the requests that arrive while the harness drives it at 200/s for 1 s.
func TestConstantRate(t *testing.T) {
	var arrived atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		if r.URL.Query().Get("customer_id") == "" {
			http.Error(w, "no customer", http.StatusBadRequest)
		}
	}))
	defer ts.Close()
	p := phase{name: "fake", base: ts.URL, rate: 200, duration: time.Second,
		path: func(seq uint64) string { return "/v1/recommendations?customer_id=c" + string(rune('a'+seq%26)) }}
	res := p.run(context.Background())
	n := int(arrived.Load())
	if n < 180 || n > 220 {
		t.Errorf("%d requests arrived at 200/s for 1 s, want 200 ± 20", n)
	}
	if res.Requests != n {
		t.Errorf("report counts %d requests, the target saw %d", res.Requests, n)
	}
	if res.Errors != 0 || res.Codes["200"] != n {
		t.Errorf("errors = %d, codes = %v (first error %q), want all 200", res.Errors, res.Codes, res.FirstError)
	}
	if res.Achieved < 180 || res.Achieved > 220 {
		t.Errorf("achieved rate %.1f/s, want 200 ± 20", res.Achieved)
	}
	for i, s := range res.samples {
		if s.at <= 0 || s.at > time.Second+time.Second/200 {
			t.Fatalf("sample %d due at %v, outside the phase", i, s.at)
		}
	}
}

// TestErrorsAreCounted: non-2xx answers are errors with the first kept.
func TestErrorsAreCounted(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	defer ts.Close()
	res := phase{name: "fake", base: ts.URL, rate: 50, duration: 200 * time.Millisecond, path: func(uint64) string { return "/" }}.run(context.Background())
	if res.Requests == 0 || res.Errors != res.Requests || res.Codes["503"] != res.Requests {
		t.Errorf("requests %d, errors %d, codes %v; want every request a 503 error", res.Requests, res.Errors, res.Codes)
	}
	if res.FirstError == "" {
		t.Errorf("first error not kept")
	}
}

func TestCapacityStopsAtFirstMiss(t *testing.T) {
	var tried []int
	c := searchCapacity(context.Background(), 1000, 500, 5000, 0, time.Second, func(_ context.Context, rate int) *PhaseResult {
		tried = append(tried, rate)
		p99 := 2.0
		if rate >= 2500 {
			p99 = 12
		}
		return &PhaseResult{Requests: rate, Achieved: float64(rate), Latency: Summary{P99: p99}}
	})
	if c.RPS != 2000 || c.Exhausted || len(tried) != 4 {
		t.Errorf("capacity %d (exhausted %v) after trying %v; want 2000 after 1000..2500", c.RPS, c.Exhausted, tried)
	}
	c = searchCapacity(context.Background(), 1000, 1000, 2000, 0, time.Second, func(_ context.Context, rate int) *PhaseResult {
		return &PhaseResult{Requests: rate, Achieved: float64(rate), Latency: Summary{P99: 1}}
	})
	if c.RPS != 2000 || !c.Exhausted {
		t.Errorf("capacity %d (exhausted %v), want 2000 exhausted", c.RPS, c.Exhausted)
	}
	c = searchCapacity(context.Background(), 1000, 1000, 3000, 0, time.Second, func(_ context.Context, rate int) *PhaseResult {
		return &PhaseResult{Requests: rate, Achieved: float64(rate), Errors: 1, Latency: Summary{P99: 1}}
	})
	if c.RPS != 0 || len(c.Steps) != 1 {
		t.Errorf("an erring first step: capacity %d after %d steps, want 0 after 1", c.RPS, len(c.Steps))
	}
}

func TestRecommendationFallback(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"items":[],"fallback":{"active":false},"placement":"home"}`, ""},
		{`{"items":[],"fallback":{"active":true,"reason":"circuit_open"},"placement":"home"}`, "circuit_open"},
		{`{"fallback":{"active":true}}`, "unknown"},
		{`not json`, ""},
	}
	for _, tt := range tests {
		if got := recommendationFallback([]byte(tt.body)); got != tt.want {
			t.Errorf("recommendationFallback(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestCapacityRetries: a step that fails once and then passes counts as
// passed when a retry is allowed; both tries are recorded.
func TestCapacityRetries(t *testing.T) {
	tries := map[int]int{}
	c := searchCapacity(context.Background(), 100, 100, 300, 1, time.Second, func(_ context.Context, rate int) *PhaseResult {
		tries[rate]++
		p99 := 1.0
		if (rate == 200 && tries[rate] == 1) || rate == 300 {
			p99 = 50 // a neighbour's burst at 200; a real limit at 300
		}
		return &PhaseResult{Requests: rate, Achieved: float64(rate), Latency: Summary{P99: p99}}
	})
	if c.RPS != 200 || len(c.Steps) != 5 || tries[300] != 2 {
		t.Errorf("capacity %d after %d steps (tries %v), want 200 after 100, 200×2, 300×2", c.RPS, len(c.Steps), tries)
	}
}
