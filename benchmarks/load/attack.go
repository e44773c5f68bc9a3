package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fallbackMark starts the fallback object of a recommendation that was not
// personalised (recommend.Fallback); its reason follows.
var fallbackMark = []byte(`"fallback":{"active":true`)

// recommendationFallback returns the fallback reason of a recommendation
// body, or "" when it was personalised as the customer's consent allows.
func recommendationFallback(body []byte) string {
	i := bytes.Index(body, fallbackMark)
	if i < 0 {
		return ""
	}
	rest := body[i+len(fallbackMark):]
	const reason = `,"reason":"`
	if !bytes.HasPrefix(rest, []byte(reason)) {
		return "unknown"
	}
	rest = rest[len(reason):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return "unknown"
}

// phase is one constant-rate attack on one path.
type phase struct {
	name     string
	base     string                  // http://127.0.0.1:port
	path     func(seq uint64) string // the path and query of request seq
	header   http.Header             // sent with every request; read-only
	rate     int                     // requests per second
	duration time.Duration
	// degraded, when set, reads a 2xx body and returns why the answer was
	// a degraded one ("" when it was not).
	degraded func(body []byte) string
}

// sample is one request: when it was due (since the phase began) and its
// latency measured from that moment.
type sample struct {
	at      time.Duration
	latency time.Duration
}

// PhaseResult is what one phase measured.
type PhaseResult struct {
	Name     string         `json:"name"`
	Rate     int            `json:"target_rps"`
	Duration float64        `json:"duration_s"`
	Requests int            `json:"requests"`
	Errors   int            `json:"errors"`
	Codes    map[string]int `json:"codes"`
	// Degraded counts 2xx answers that were not the full answer (for
	// recommendations: the non-personal fallback, by reason).
	Degraded int            `json:"degraded"`
	ByReason map[string]int `json:"degraded_by_reason,omitempty"`
	// FirstError is the first failure seen, for the report.
	FirstError string `json:"first_error,omitempty"`
	// Achieved is the rate at which requests were sent.
	Achieved float64 `json:"achieved_rps"`
	// Latency is measured from when each request was due by the schedule
	// (start + seq/rate), not from when the generator got round to sending
	// it, so a stalled generator shows up as latency (no coordinated
	// omission).
	Latency Summary `json:"latency"`
	// MaxLag is the longest a request was sent after it was due.
	MaxLag float64 `json:"max_send_lag_ms"`
	// Redis commands and round trips per request sent by the server's own
	// client (in-process server only), and the Redis server's
	// INFO commandstats calls per request (server-wide: includes any other
	// client of the same Redis).
	CommandsPerReq    float64            `json:"redis_commands_per_req"`
	RoundTripsPerReq  float64            `json:"redis_round_trips_per_req"`
	ByCommand         map[string]float64 `json:"redis_commands_by_name_per_req,omitempty"`
	ServerCallsPerReq float64            `json:"redis_server_calls_per_req"`
	// AllocsPerReq is heap allocations per request of the harness process
	// (the in-process server, and without --generator-process the load
	// generator too; 0 against --target), from runtime.MemStats.
	AllocsPerReq float64 `json:"process_allocs_per_req,omitempty"`
	// CPUPerReq is the CPU time (user + system) of the harness process per
	// request: the in-process server's, and without --generator-process
	// the load generator's too (0 against --target). GeneratorCPUPerReq is
	// the generator process's. RedisCPUPerReq is the Redis server's
	// (server-wide). In microseconds: on a shared machine these are
	// steadier than latency.
	CPUPerReq          float64 `json:"process_cpu_us_per_req,omitempty"`
	GeneratorCPUPerReq float64 `json:"generator_cpu_us_per_req,omitempty"`
	RedisCPUPerReq     float64 `json:"redis_cpu_us_per_req,omitempty"`
	// RedisSysPerReq is the kernel's part of RedisCPUPerReq (used_cpu_sys,
	// of the whole Redis process): mostly the sockets' system calls, per
	// round trip, and a reply's bytes; a script moves it little.
	RedisSysPerReq float64 `json:"redis_sys_us_per_req,omitempty"`
	// RedisScriptPerReq is the µs Redis spent in scripts (the gated read,
	// the decision records' appends) per request, from INFO commandstats
	// (server-wide, after the phase's own records are written); the rest
	// of RedisCPUPerReq is the event loop, the network and other commands.
	RedisScriptPerReq float64 `json:"redis_script_us_per_req,omitempty"`
	// RedisMemoryPerReq is the growth of the Redis server's used_memory
	// (INFO memory, server-wide) from before the phase to after the
	// decision writer wrote what it queued, per request; nil when the
	// server does not report it.
	RedisMemoryPerReq *float64 `json:"redis_memory_bytes_per_req,omitempty"`

	samples []sample
	// span is the time from the first request sent to the last, and gaps
	// the intervals between them (requests - 1): Achieved = gaps / span,
	// kept so that turns (--slices) add up to the same figure.
	span float64
	gaps int
}

// maxWorkers caps the generator's concurrent requests (and so its
// connections, with the server's side as many again) well under the usual
// 20,000 open files. Because latency counts from when each request was due,
// a request held back by the cap is late, not lost: the cap cannot hide
// latency (no coordinated omission), it only bounds the harness.
const maxWorkers = 1000

// newAttacker returns an attacker that adds workers whenever all are busy
// (an open model) up to maxWorkers, and the transport it uses so the phase
// can close its connections when it ends.
func newAttacker() (*vegeta.Attacker, *http.Transport) {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: maxWorkers,
		MaxConnsPerHost:     maxWorkers,
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return vegeta.NewAttacker(vegeta.Workers(32), vegeta.MaxWorkers(maxWorkers), vegeta.Client(client)), tr
}

// run drives p at its constant rate until its duration ends or ctx does.
func (p phase) run(ctx context.Context) *PhaseResult {
	var seq atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		t.Method = http.MethodGet
		t.URL = p.base + p.path(seq.Add(1)-1)
		t.Header = p.header
		return nil
	}
	atk, tr := newAttacker()
	defer tr.CloseIdleConnections()
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	pacer := vegeta.ConstantPacer{Freq: p.rate, Per: time.Second}
	// vegeta's constant pacer sends hit n at (n+1)·interval after the start.
	period := time.Duration(time.Second.Nanoseconds() / int64(p.rate))
	res := &PhaseResult{Name: p.name, Rate: p.rate, Duration: p.duration.Seconds(), Codes: map[string]int{},
		samples: make([]sample, 0, int(float64(p.rate)*p.duration.Seconds())+16)}
	began := time.Now()
	var first, last time.Time
	for r := range atk.Attack(vegeta.Targeter(targeter), pacer, p.duration, p.name) {
		due := began.Add(time.Duration(r.Seq+1) * period)
		lat := r.End().Sub(due)
		if lat < r.Latency {
			lat = r.Latency // sent a hair before its nominal slot
		}
		if lag := r.Timestamp.Sub(due); ms(lag) > res.MaxLag {
			res.MaxLag = ms(lag)
		}
		res.samples = append(res.samples, sample{at: due.Sub(began), latency: lat})
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		res.Codes[strconv.Itoa(int(r.Code))]++
		ok := r.Error == "" && r.Code >= 200 && r.Code <= 299
		if ok && p.degraded != nil {
			if why := p.degraded(r.Body); why != "" {
				res.Degraded++
				if res.ByReason == nil {
					res.ByReason = map[string]int{}
				}
				res.ByReason[why]++
			}
		}
		if !ok {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = strconv.Itoa(int(r.Code)) + " " + r.Error + " " + string(r.Body[:min(len(r.Body), 200)])
			}
		}
	}
	res.Requests = len(res.samples)
	if span := last.Sub(first); res.Requests > 1 && span > 0 {
		res.span, res.gaps = span.Seconds(), res.Requests-1
		res.Achieved = float64(res.gaps) / res.span
	}
	lat := make([]time.Duration, len(res.samples))
	for i, s := range res.samples {
		lat[i] = s.latency
	}
	res.Latency = summarize(lat)
	return res
}
