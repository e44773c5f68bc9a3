package main

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	hundred := make([]time.Duration, 100) // 1ms..100ms
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	thousand := make([]time.Duration, 1000) // 1µs..1000µs
	for i := range thousand {
		thousand[i] = time.Duration(i+1) * time.Microsecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample", []time.Duration{7}, 0.999, 7},
		{"p50 of 100", hundred, 0.50, 50 * time.Millisecond},
		{"p90 of 100", hundred, 0.90, 90 * time.Millisecond},
		{"p99 of 100", hundred, 0.99, 99 * time.Millisecond},
		{"p99.9 of 100 is the max", hundred, 0.999, 100 * time.Millisecond},
		{"p100 of 100", hundred, 1, 100 * time.Millisecond},
		{"p99.9 of 1000", thousand, 0.999, 999 * time.Microsecond},
		{"p0 is the min", thousand, 0, time.Microsecond},
	}
	for _, tt := range tests {
		if got := quantile(tt.sorted, tt.q); got != tt.want {
			t.Errorf("%s: quantile(%v) = %v, want %v", tt.name, tt.q, got, tt.want)
		}
	}
}

func TestSummarizeSortsAndReportsMilliseconds(t *testing.T) {
	lat := []time.Duration{4 * time.Millisecond, time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	got := summarize(lat)
	want := Summary{P50: 2, P90: 4, P99: 4, P999: 4, Max: 4, Mean: 2.5}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != Summary{}) {
		t.Errorf("summarize(nil) is not zero")
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_evalsha:calls=10,usec=50,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_ping:calls=3,usec=1,usec_per_call=0.33,rejected_calls=0,failed_calls=0\r\nother:calls=100\r\n"
	if calls, usec := parseCommandStats(info); calls != 13 || usec != 50 {
		t.Errorf("parseCommandStats = %d calls, %d µs in scripts; want 13, 50", calls, usec)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080/", true},
		{"http://[::1]:8080", true},
		{"redis://127.0.0.1:6379/0", true},
		{"http://10.0.0.5:8080", false},
		{"http://example.com", false},
		{"http://0.0.0.0:8080", false},
	}
	for _, tt := range tests {
		if err := checkLoopback("--target", tt.url); (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestPerRequest(t *testing.T) {
	before := counts{cmds: 10, trips: 5, byName: map[string]int64{"evalsha": 5}}
	after := counts{cmds: 30, trips: 15, byName: map[string]int64{"evalsha": 15, "xadd": 10}}
	cmds, trips, by := perRequest(before, after, 10)
	if cmds != 2 || trips != 1 || by["evalsha"] != 1 || by["xadd"] != 1 {
		t.Errorf("perRequest = %v, %v, %v; want 2, 1, evalsha 1 and xadd 1", cmds, trips, by)
	}
}
