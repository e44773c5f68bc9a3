package main

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// TestTurnsAskForOtherRequests: turn i of a phase starts where the turns
// before it ended, so no customer is asked for twice across turns.
func TestTurnsAskForOtherRequests(t *testing.T) {
	p := phase{name: "recommendations", rate: 100, duration: 6 * time.Second,
		path: func(seq uint64) string { return "/r?c=" + strconv.FormatUint(seq, 10) }}
	for i, want := range []string{"/r?c=0", "/r?c=200", "/r?c=400"} {
		tp := p.turn(i, 2*time.Second)
		if got := tp.path(0); got != want || tp.duration != 2*time.Second || tp.rate != 100 {
			t.Errorf("turn %d: first path %q, duration %v, rate %d; want %q, 2s, 100", i, got, tp.duration, tp.rate, want)
		}
	}
	if got := p.path(0); got != "/r?c=0" {
		t.Errorf("the phase itself changed: first path %q", got)
	}
}

// TestAddTurn: counts add up, the rate achieved is over both turns'
// sending time, per-request figures are averaged over every request,
// percentiles are of every sample, and the second turn's samples come
// after the first's.
func TestAddTurn(t *testing.T) {
	mem1, mem2 := 100.0, 400.0
	a := &PhaseResult{Name: "recommendations", Rate: 100, Duration: 1, Requests: 100, Errors: 1, Degraded: 2,
		Codes: map[string]int{"200": 99, "503": 1}, ByReason: map[string]int{"timeout": 2}, FirstError: "503 a",
		Achieved: 99, span: 1, gaps: 99, MaxLag: 3, CommandsPerReq: 2, ByCommand: map[string]float64{"evalsha": 2},
		CPUPerReq: 600, RedisCPUPerReq: 200, RedisSysPerReq: 60, RedisScriptPerReq: 100, AllocsPerReq: 150, RedisMemoryPerReq: &mem1}
	b := &PhaseResult{Name: "recommendations", Rate: 300, Duration: 1, Requests: 300, Degraded: 1,
		Codes: map[string]int{"200": 300}, ByReason: map[string]int{"circuit_open": 1}, FirstError: "503 b",
		Achieved: 299 / 1.5, span: 1.5, gaps: 299, MaxLag: 1, CommandsPerReq: 3, ByCommand: map[string]float64{"evalsha": 2, "hello": 1},
		CPUPerReq: 1000, RedisCPUPerReq: 100, RedisSysPerReq: 40, RedisScriptPerReq: 60, AllocsPerReq: 250, RedisMemoryPerReq: &mem2}
	for i := range 100 {
		a.samples = append(a.samples, sample{at: time.Duration(i) * 10 * time.Millisecond, latency: time.Millisecond})
	}
	for i := range 300 {
		b.samples = append(b.samples, sample{at: time.Duration(i) * 3 * time.Millisecond, latency: 9 * time.Millisecond})
	}
	s := addTurn(addTurn(nil, a), b)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	if s.Requests != 400 || s.Errors != 1 || s.Degraded != 3 || s.Duration != 2 || s.MaxLag != 3 || s.FirstError != "503 a" {
		t.Errorf("counts: %d requests, %d errors, %d degraded, %v s, max lag %v, first error %q", s.Requests, s.Errors, s.Degraded, s.Duration, s.MaxLag, s.FirstError)
	}
	if s.Codes["200"] != 399 || s.Codes["503"] != 1 || s.ByReason["timeout"] != 2 || s.ByReason["circuit_open"] != 1 {
		t.Errorf("codes %v, reasons %v", s.Codes, s.ByReason)
	}
	for name, got := range map[string][2]float64{
		"CPU": {s.CPUPerReq, 900}, "Redis CPU": {s.RedisCPUPerReq, 125}, "Redis sys": {s.RedisSysPerReq, 45},
		"in scripts": {s.RedisScriptPerReq, 70}, "allocs": {s.AllocsPerReq, 225}, "commands": {s.CommandsPerReq, 2.75},
		"achieved": {s.Achieved, 398 / 2.5}, "evalsha": {s.ByCommand["evalsha"], 2}, "hello": {s.ByCommand["hello"], 0.75},
		"memory": {*s.RedisMemoryPerReq, 325},
	} {
		if !near(got[0], got[1]) {
			t.Errorf("%s per request %v, want %v (the mean over all 400 requests)", name, got[0], got[1])
		}
	}
	if s.Latency.P50 != 9 || s.Latency.P99 != 9 || s.Latency.Max != 9 {
		t.Errorf("latency %+v: want the percentiles of all 400 samples (p50 9 ms)", s.Latency)
	}
	if last := s.samples[len(s.samples)-1]; len(s.samples) != 400 || last.at != time.Second+299*3*time.Millisecond {
		t.Errorf("%d samples, the last at %v; want 400, the second turn's after the first's second", len(s.samples), last.at)
	}
	if addTurn(&PhaseResult{RedisMemoryPerReq: &mem1, Requests: 1}, &PhaseResult{Requests: 1}).RedisMemoryPerReq != nil {
		t.Error("Redis memory per request averaged with a turn that did not measure it")
	}
}
