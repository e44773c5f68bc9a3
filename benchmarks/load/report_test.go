package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"strings"
	"testing"
	"time"
)

func testReport() *Report {
	rec := &PhaseResult{Name: "recommendations", Rate: 1000, Duration: 2, Requests: 2000, Codes: map[string]int{"200": 2000},
		Achieved: 999.5, Degraded: 3, ByReason: map[string]int{"timeout": 3}, Latency: Summary{P50: 0.8, P90: 1.5, P99: 4.25, P999: 9.5, Max: 12, Mean: 1}, MaxLag: 0.3,
		CommandsPerReq: 4, RoundTripsPerReq: 1.25, ByCommand: map[string]float64{"evalsha": 1, "xadd": 1}, AllocsPerReq: 240}
	ready := &PhaseResult{Name: "readyz", Rate: 1000, Duration: 2, Requests: 2000, Codes: map[string]int{"200": 2000},
		Achieved: 1000, Latency: Summary{P50: 0.4, P99: 2.125, P999: 3, Max: 4}, CommandsPerReq: 1, RoundTripsPerReq: 1}
	raw := &PhaseResult{Name: "raw-read", Rate: 1000, Duration: 2, Requests: 2000, Errors: 1, FirstError: "503 boom",
		Codes: map[string]int{"200": 1999, "503": 1}, Achieved: 1000, Latency: Summary{P50: 0.5, P99: 2.5}}
	for i := range 2000 {
		at := time.Duration(i+1) * time.Millisecond
		rec.samples = append(rec.samples, sample{at: at, latency: time.Duration(500+i%100*10) * time.Microsecond})
		ready.samples = append(ready.samples, sample{at: at, latency: 300 * time.Microsecond})
	}
	perReq := 412.0
	rec.RedisMemoryPerReq = &perReq
	rec.RedisCPUPerReq, rec.RedisSysPerReq = 190, 120
	ready.RedisCPUPerReq, ready.RedisSysPerReq = 60, 45
	rec.CPUPerReq, rec.GeneratorCPUPerReq = 750, 90
	ready.CPUPerReq, ready.GeneratorCPUPerReq = 400, 60
	run := RateRun{Rate: 1000, Recommend: rec, Readyz: ready, RawRead: raw, LoadAverage: "1.00 0.90 0.80"}
	run.ratios()
	return &Report{Started: "2026-11-25T10:00:00Z", Target: "in-process", Namespace: "bench-test",
		Machine: Machine{CPUs: 2, Go: "go1.26", Redis: "7.0.15", LoadStart: "1.00 0.90 0.80"},
		Scale:   scale{Items: 10000, Customers: 100000, History: 50, Seed: 1},
		Seed:    &seedStats{Items: 10000, Customers: 100000, ByLevel: map[string]int{"none": 1, "full": 2}, Events: 123, Seconds: 4.5, TrainSecs: 1.5},
		Runs:    []RateRun{run},
		Capacity: &Capacity{RPS: 2500, LimitP99: 10, StepSecs: 5, Steps: []Step{
			{Rate: 2500, Achieved: 2500, P99: 8, Requests: 12500, Pass: true},
			{Rate: 3000, Achieved: 2990, P99: 14, Requests: 14950}}},
		ReadyzCapacity: &Capacity{RPS: 4000, LimitP99: 10, StepSecs: 5, Steps: []Step{{Rate: 4000, Achieved: 4000, P99: 3, Requests: 20000, Pass: true}}},
		Footprint: &Footprint{Customers: 100000, Kinds: map[string]KeyKind{kindDecisions: {Keys: 50000, Bytes: 60000000, Entries: 150000},
			kindFeatures: {Keys: 150000, Bytes: 70000000}}, Written: 160000, BytesPerRecord: 400, BytesPerWritten: 375, PerCustomer: 1300},
		LoadAfter: "2.00 1.00 0.50"}
}

func TestReportTable(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	// Compare with runs of spaces collapsed: the columns are padded.
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{
		"namespace bench-test",
		"10000 items, 100000 customers, history 50",
		"consent full 2, none 1",
		"== 1000 requests/s (load average 1.00 0.90 0.80)",
		"recommendations 2000 999.5 0 3 0.800 1.500 4.250 9.500 12.000 0.30 4.00 1.25 240 750 190 0",
		"load generator (a process of its own, not in CPU µs/req) CPU µs per request: recommendations 90, readyz 60\n",
		"kernel / user (INFO cpu used_cpu_sys / used_cpu_user, server-wide): recommendations 120 / 70, readyz 45 / 15\n",
		"evalsha 1.000, xadd 1.000",
		"raw-read, first error: 503 boom",
		"recommendations / readyz: CPU per request 1.88×, p50 2.00×, p99 2.00×",
		"recommendations / raw read: p50 1.60×, p99 1.70×",
		"capacity of recommendations: 2500 requests/s\n",
		"capacity of readyz: 4000 requests/s\n",
		"recommendation capacity / readyz capacity: 62%",
		"recommendations answered with the non-personal fallback: 3 (timeout 3)",
		"recommendations, Redis memory per request: +412 bytes",
		"== Redis memory of namespace bench-test after the run",
		"decisions 50000 60000000 600 150000 400",
		"features 150000 70000000 700 - -",
		"per customer (every per-customer key / 100000 customers): 1300 bytes",
		"160000 written by the server (0 dropped, 0 failed); decision keys' memory per record written: 375 bytes",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs []struct {
			Rate      int `json:"rate"`
			Recommend struct {
				Requests int                `json:"requests"`
				Latency  map[string]float64 `json:"latency"`
				Commands float64            `json:"redis_commands_per_req"`
				Trips    float64            `json:"redis_round_trips_per_req"`
			} `json:"recommendations"`
			P99OverReadyz float64 `json:"p99_over_readyz"`
			CPUOverReadyz float64 `json:"cpu_over_readyz"`
		} `json:"runs"`
		Capacity struct {
			RPS   int `json:"rps"`
			Steps []struct {
				Pass bool `json:"pass"`
			} `json:"steps"`
		} `json:"capacity"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("report JSON does not decode: %v\n%s", err, buf.String())
	}
	if len(got.Runs) != 1 {
		t.Fatalf("%d runs in JSON, want 1", len(got.Runs))
	}
	r := got.Runs[0]
	if r.Rate != 1000 || r.Recommend.Requests != 2000 || r.Recommend.Latency["p999_ms"] != 9.5 || r.Recommend.Latency["p99_ms"] != 4.25 ||
		r.Recommend.Commands != 4 || r.Recommend.Trips != 1.25 || r.P99OverReadyz != 2 || r.CPUOverReadyz != 1.875 {
		t.Errorf("JSON run = %+v", r)
	}
	if got.Capacity.RPS != 2500 || len(got.Capacity.Steps) != 2 || !got.Capacity.Steps[0].Pass || got.Capacity.Steps[1].Pass {
		t.Errorf("JSON capacity = %+v", got.Capacity)
	}
	if strings.Contains(buf.String(), "samples") {
		t.Errorf("raw samples leaked into the JSON")
	}
}

func TestReportPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 200 {
		t.Errorf("PNG is %v, want at least 600×200", b)
	}
	if err := (&Report{}).WritePNG(&buf); err == nil {
		t.Errorf("a report without runs plotted without error")
	}
}

func TestWindows(t *testing.T) {
	var s []sample
	for i := range 200 { // 100 per second; second 1 is 10× slower
		lat := time.Millisecond
		if i >= 100 {
			lat = 10 * time.Millisecond
		}
		s = append(s, sample{at: time.Duration(i+1) * 10 * time.Millisecond, latency: lat})
	}
	got := windows(s, 0.99)
	if len(got) != 2 || got[0].Y != 1 || got[1].Y != 10 || got[0].X != 0.5 {
		t.Errorf("windows = %v, want p99 1 ms in second 0 and 10 ms in second 1", got)
	}
}
