package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// TestSmoke runs the whole harness for a few seconds at a low rate against
// the in-process server with a tiny data set, on REDIS_URL when set, else
// miniredis. It checks the report, never a latency.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke run takes a few seconds")
	}
	pngPath := filepath.Join(t.TempDir(), "latency.png")
	ns := "bench-smoke" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	// two turns of 1 s per phase (--slices), whose results add up
	rep, stderr, url := smokeRun(t, "--items", "300", "--customers", "200", "--history", "10", "--rate", "50", "--duration", "2s", "--slices", "2",
		"--warmup", "0s", "--png", pngPath, "--namespace", ns)
	if len(rep.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(rep.Runs))
	}
	r := rep.Runs[0]
	for _, p := range []*PhaseResult{r.Recommend, r.Readyz, r.RawRead} {
		if p == nil {
			t.Fatalf("a phase is missing: %+v", r)
		}
		// 50/s for 2 × 1 s is 100 requests; allow the pacer's edges.
		if p.Requests < 97 || p.Requests > 102 || p.Duration != 2 {
			t.Errorf("%s: %d requests, want 100 (50/s × 2 s)", p.Name, p.Requests)
		}
		if p.Errors != 0 || p.Codes["200"] != p.Requests {
			t.Errorf("%s: %d errors, codes %v, first error %q", p.Name, p.Errors, p.Codes, p.FirstError)
		}
		if p.Latency.P50 <= 0 || p.Latency.Max < p.Latency.P99 || p.Latency.P99 < p.Latency.P50 {
			t.Errorf("%s: latency summary out of order: %+v", p.Name, p.Latency)
		}
	}
	if c := r.Recommend.ByCommand["evalsha"] + r.Recommend.ByCommand["eval"]; r.Recommend.CommandsPerReq <= 0 || c < 0.99 {
		t.Errorf("recommendations: %.2f Redis commands per request (by name %v), want > 0 with one gated read each", r.Recommend.CommandsPerReq, r.Recommend.ByCommand)
	}
	if r.Readyz.ByCommand["ping"] < 0.99 {
		t.Errorf("readyz: Redis commands by name %v, want a PING per request", r.Readyz.ByCommand)
	}
	if r.P99OverReadyz <= 0 || r.P99OverRawRead <= 0 || r.CPUOverReadyz <= 0 {
		t.Errorf("ratios not computed: %+v", r)
	}
	// The load comes from this process: its CPU counts the generator too,
	// and there is no generator process to report.
	for _, p := range []*PhaseResult{r.Recommend, r.Readyz, r.RawRead} {
		if p.CPUPerReq <= 0 || p.GeneratorCPUPerReq != 0 {
			t.Errorf("%s: CPU %v µs, generator process CPU %v µs a request", p.Name, p.CPUPerReq, p.GeneratorCPUPerReq)
		}
	}
	if strings.Contains(stderr, "load generator (") {
		t.Errorf("report names a generator process that did not run:\n%s", stderr)
	}
	if rep.Seed == nil || rep.Seed.Customers != 200 || rep.Seed.Items != 300 || rep.Seed.Events == 0 {
		t.Errorf("seeding summary = %+v", rep.Seed)
	}
	if os.Getenv("REDIS_URL") != "" { // miniredis has no INFO memory nor MEMORY USAGE … SAMPLES
		checkFootprint(t, &rep)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatalf("PNG not written: %v", err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("PNG does not decode: %v", err)
	}
	if !strings.Contains(stderr, "== 50 requests/s") {
		t.Errorf("table missing from stderr:\n%s", stderr)
	}
	opt, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if keys, err := rdb.Keys(context.Background(), ns+":*").Result(); err != nil || len(keys) != 0 {
		t.Errorf("namespace %s left %d keys behind (%v)", ns, len(keys), err)
	}
}

// smokeRun runs the harness with args on REDIS_URL when set, else
// miniredis, with --json and a read budget no busy machine can miss (a
// smoke test counts what a request does, it never asks whether a request
// beat a deadline), and returns its report, its table and the Redis URL.
func smokeRun(t *testing.T, args ...string) (rep Report, table, url string) {
	t.Helper()
	url = os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://" + miniredis.RunT(t).Addr()
	}
	getenv := func(k string) string {
		if k == "REDIS_URL" {
			return url
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append(args, "--json", "--read-budget", "30s"), getenv, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, stdout.String())
	}
	return rep, stderr.String(), url
}

// checkFootprint holds the memory report to what the run wrote: every
// decision record the server wrote is held (no customer reached the cap),
// and the decision keys take memory.
func checkFootprint(t *testing.T, rep *Report) {
	t.Helper()
	if rep.Runs[0].Recommend.RedisMemoryPerReq == nil {
		t.Errorf("no Redis memory per request")
	}
	fp := rep.Footprint
	if fp == nil {
		t.Fatal("no footprint")
	}
	d := fp.Kinds[kindDecisions]
	if fp.Written == 0 || fp.Dropped != 0 || fp.Failed != 0 || d.Entries != fp.Written-int64(rep.Runs[0].Recommend.Requests-rep.Runs[0].Recommend.Codes["200"]) {
		t.Errorf("decisions written %d (dropped %d, failed %d), held %d", fp.Written, fp.Dropped, fp.Failed, d.Entries)
	}
	if d.Bytes <= 0 || fp.BytesPerRecord <= 0 || fp.PerCustomer <= 0 || fp.Kinds[kindFeatures].Bytes <= 0 || fp.Kinds[kindConsent].Keys != 2*fp.Customers {
		t.Errorf("footprint %+v", fp)
	}
}

func TestOptionsRefuseNonLoopback(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "REDIS_URL" {
				return v
			}
			return ""
		}
	}
	var sink bytes.Buffer
	if _, err := parseOptions(nil, env("redis://10.1.2.3:6379"), &sink); err == nil {
		t.Errorf("a non-loopback REDIS_URL was accepted")
	}
	if _, err := parseOptions([]string{"--target", "http://192.168.1.1:8080", "--namespace", "x", "--api-key", "k"}, env(""), &sink); err == nil {
		t.Errorf("a non-loopback --target was accepted")
	}
	if _, err := parseOptions([]string{"--target", "http://127.0.0.1:8080"}, env(""), &sink); err == nil {
		t.Errorf("--target without --namespace was accepted")
	}
	o, err := parseOptions([]string{"--rate", "500,1000"}, env(""), &sink)
	if err != nil || len(o.rates) != 2 || o.rates[1] != 1000 || !strings.HasPrefix(o.namespace, "bench-") || o.redisURL != "redis://127.0.0.1:6379" {
		t.Errorf("parseOptions = %+v, %v", o, err)
	}
	if _, err := parseOptions([]string{"--slices", "0"}, env(""), &sink); err == nil {
		t.Errorf("--slices 0 accepted")
	}
	for _, bad := range []string{"-1", "10001"} {
		if _, err := parseOptions([]string{"--max-evidence", bad}, env(""), &sink); err == nil {
			t.Errorf("--max-evidence %s accepted", bad)
		}
	}
	if o, err := parseOptions([]string{"--max-evidence", "100"}, env(""), &sink); err != nil || o.scale.MaxEvidence != 100 {
		t.Errorf("--max-evidence 100: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"--long-customers", "10"}, {"--long-history", "-1"}, {"--long-history", "500", "--long-customers", "-2"}} {
		if _, err := parseOptions(bad, env(""), &sink); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if o, err := parseOptions([]string{"--customers", "1000", "--long-history", "500"}, env(""), &sink); err != nil || o.scale.LongCustomers != 200 {
		t.Errorf("--long-history 500 without --long-customers: %+v, %v", o.scale, err)
	}
}

// TestSmokeLongHistory: with --long-history the harness seeds a second
// group of customers and measures their recommendations as a phase of
// its own in the same turns, reported beside the others with the ratio
// of their CPU. It sends the load from a generator process of its own
// (--generator-process): the harness's CPU is the server's, the
// generator's is reported apart.
func TestSmokeLongHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke run takes a few seconds")
	}
	rep, stderr, _ := smokeRun(t, "--items", "300", "--customers", "100", "--history", "10", "--long-history", "40", "--long-customers", "60",
		"--rate", "50", "--duration", "2s", "--slices", "2", "--warmup", "0s", "--no-refs", "--namespace", "bench-smoke-long", "--generator-process")
	r := rep.Runs[0]
	if r.Long == nil || r.Long.Name != "recommendations-h40" || r.Long.Requests < 97 || r.Long.Requests > 102 || r.Long.Errors != 0 {
		t.Fatalf("long-history phase = %+v", r.Long)
	}
	if r.Long.CPUPerReq <= 0 || r.LongCPUOverShort <= 0 || r.LongCPUOverReadyz != 0 { // no /readyz phase (--no-refs)
		t.Errorf("CPU of the long-history phase %v, ratio %v", r.Long.CPUPerReq, r.LongCPUOverShort)
	}
	for _, p := range []*PhaseResult{r.Recommend, r.Long} {
		if p.GeneratorCPUPerReq <= 0 || p.AllocsPerReq <= 0 {
			t.Errorf("%s: generator process CPU %v µs, server allocations %v a request; want both measured", p.Name, p.GeneratorCPUPerReq, p.AllocsPerReq)
		}
	}
	if !strings.Contains(stderr, "load generator (a process of its own, not in CPU µs/req) CPU µs per request: recommendations ") {
		t.Errorf("report lacks the generator's CPU:\n%s", stderr)
	}
	if rep.Seed == nil || rep.Seed.Customers != 160 {
		t.Errorf("seeded %+v, want 160 customers", rep.Seed)
	}
	if !strings.Contains(stderr, "recommendations-h40 / recommendations: CPU per request") || !strings.Contains(stderr, "and 60 customers at history 40") {
		t.Errorf("report lacks the long-history lines:\n%s", stderr)
	}
}

// The --long-history customers come after the others, are asked for only
// in their own phase, and have histories of their own mean length.
func TestLongHistoryCustomers(t *testing.T) {
	sc := scale{Items: 1000, Customers: 300, History: 10, Seed: 1, Active: 50, LongHistory: 200, LongCustomers: 40}
	b := &bench{o: &options{scale: sc}}
	b.orderCustomers()
	if len(b.order) != 50 || len(b.long) != 40 {
		t.Fatalf("%d customers for recommendations, %d for the long phase; want 50 (--active) and 40", len(b.order), len(b.long))
	}
	for _, id := range b.order {
		if id >= "c0000300" {
			t.Fatalf("%s, a long-history customer, in the recommendations phase", id)
		}
	}
	for _, id := range b.long {
		if id < "c0000300" || id >= "c0000340" {
			t.Fatalf("%s in the long-history phase", id)
		}
	}
	items := make([]string, sc.Items)
	for i := range items {
		items[i] = itemID(i)
	}
	for i, want := range map[int]int{0: 10, 299: 10, 300: 200, 339: 200} {
		if n := len(history(sc, i, "c", items, time.Now())); n < want/2 || n > 3*want/2 {
			t.Errorf("customer %d: %d events, want %d-%d", i, n, want/2, 3*want/2)
		}
	}
}
