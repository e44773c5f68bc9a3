// Command load is Candor's load test: it seeds a namespace of the Redis at
// REDIS_URL with generated data at the chosen scale, starts the real HTTP
// stack in process on 127.0.0.1:0 (or targets a running server on
// loopback), and drives GET /v1/recommendations at a constant arrival rate
// (an open model: requests are sent on schedule whether or not earlier ones
// have answered, and latency counts from when each was due). In the same
// run it measures two references through the same HTTP server and load,
// GET /readyz (one Redis PING) and a raw go-redis read of the keys a
// recommendation reads, optionally searches for capacity (the highest rate
// whose p99 stays under 10 ms), and reports a table, JSON and a
// latency-over-time PNG. Every phase has a fixed duration, so every run
// stops by itself; the namespace is deleted at the end unless --keep.
//
//	REDIS_URL=redis://127.0.0.1:6379 go run ./benchmarks/load --rate 1000 --duration 60s --capacity --png load.png
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if isGenerator() {
		if err := serveGenerator(ctx, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	scale      scale
	rates      []int
	duration   time.Duration
	slices     int
	warmup     time.Duration
	capacity   bool
	capStart   int
	capInc     int
	capMax     int
	capRetries int
	capStep    time.Duration
	json       bool
	png        string
	cpuprofile string
	memprofile string
	keep       bool
	namespace  string
	target     string
	apiKey     string
	noRefs     bool
	redisURL   string
	readBudget time.Duration
	// generatorProcess sends the load from a generator process of the
	// harness's own instead of from this one.
	generatorProcess bool
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.scale.Items, "items", 10000, "catalog items to generate")
	fs.IntVar(&o.scale.Customers, "customers", 100000, "customers to generate (20% none, 30% basic, 50% full consent)")
	fs.IntVar(&o.scale.History, "history", 50, "mean history events per customer with full consent")
	fs.Uint64Var(&o.scale.Seed, "seed", 1, "seed of the generated data and of the customer mix")
	fs.IntVar(&o.scale.MaxEvidence, "max-evidence", 0, "fix the model's max_evidence, the most recent items of each set that are evidence (as candor train --max-evidence); 0: validation chooses")
	fs.IntVar(&o.scale.LongHistory, "long-history", 0, "also seed --long-customers customers of this mean history and ask for their recommendations in a phase of its own, in the same turns, so the two history lengths are compared in one run; 0: none")
	fs.IntVar(&o.scale.LongCustomers, "long-customers", 0, "how many --long-history customers (default --customers/5)")
	fs.IntVar(&o.scale.Active, "active", 0, "send requests for only this many of the customers (a seeded sample), so each gets many recommendations; 0: all")
	rates := fs.String("rate", "1000", "requests per second; a comma-separated list runs each in turn")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "duration of each measured phase")
	fs.IntVar(&o.slices, "slices", 1, "run each rate's phases in this many turns of --duration/slices each, alternating (recommendations, readyz, raw read, then again), so that all meet the same moments of a noisy machine (with --long-history, its phase after recommendations); 1: one after the other (the capacity search runs its steps whole)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured recommendations at the first rate before measuring")
	fs.BoolVar(&o.capacity, "capacity", false, "search for the highest rate with p99 ≤ 10 ms and no errors")
	fs.IntVar(&o.capStart, "capacity-start", 1000, "first rate of the capacity search")
	fs.IntVar(&o.capInc, "capacity-step-rps", 500, "rate increment of the capacity search")
	fs.IntVar(&o.capMax, "capacity-max", 6000, "highest rate the capacity search tries")
	fs.IntVar(&o.capRetries, "capacity-retries", 0, "times a failed capacity step is tried again before the search stops")
	fs.DurationVar(&o.capStep, "capacity-step", 5*time.Second, "duration of each capacity step")
	fs.BoolVar(&o.json, "json", false, "write the report as JSON on stdout (the table goes to stderr)")
	fs.StringVar(&o.png, "png", "", "write latency over time to this PNG file")
	fs.BoolVar(&o.generatorProcess, "generator-process", false, "send the load from a generator process of its own, so that CPU µs/req (and allocs/req, --cpuprofile) is the server's alone; the generator's CPU is reported apart. It costs the 2-core machine far more CPU than sending from this process does")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured phases (this process: the server, and the generator unless --generator-process) to this file, its samples labelled phase=<name> and side=server|generator (go tool pprof -tagfocus 'phase=^readyz$')")
	fs.StringVar(&o.memprofile, "memprofile", "", "write an allocation profile (whole process, whole run; see alloc_objects) to this file at the end")
	fs.BoolVar(&o.keep, "keep", false, "keep the namespace (and print its site key) instead of deleting it")
	fs.StringVar(&o.namespace, "namespace", "", "Redis namespace (default bench-<random>); with --target, the server's namespace, seeded by an earlier --keep run")
	fs.StringVar(&o.target, "target", "", "URL of a running Candor on loopback to load instead of the in-process server")
	fs.StringVar(&o.apiKey, "api-key", "", "site API key for --target (default $CANDOR_BENCH_KEY)")
	fs.BoolVar(&o.noRefs, "no-refs", false, "skip the /readyz and raw-read reference phases")
	fs.DurationVar(&o.readBudget, "read-budget", 25*time.Millisecond, "the in-process server's read budget: past it a recommendation is the non-personal fallback (as --read-budget of candor serve)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(*rates, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("--rate %q: want positive integers separated by commas", *rates)
		}
		o.rates = append(o.rates, r)
	}
	if o.scale.Items < 1 || o.scale.Customers < 1 || o.scale.History < 0 || o.duration <= 0 || o.slices < 1 || o.scale.Active < 0 || o.scale.Active > o.scale.Customers {
		return nil, fmt.Errorf("--items and --customers must be ≥ 1, --history ≥ 0, --duration > 0, --slices ≥ 1, --active from 0 to --customers")
	}
	if err := o.scale.checkLong(); err != nil {
		return nil, err
	}
	if o.scale.MaxEvidence < 0 || o.scale.MaxEvidence > 10000 {
		return nil, fmt.Errorf("--max-evidence %d: want 1-10000, or 0 for validation's choice", o.scale.MaxEvidence)
	}
	o.redisURL = getenv("REDIS_URL")
	if o.redisURL == "" {
		o.redisURL = "redis://127.0.0.1:6379"
	}
	if err := checkLoopback("REDIS_URL", o.redisURL); err != nil {
		return nil, err
	}
	if o.target != "" {
		if err := checkLoopback("--target", o.target); err != nil {
			return nil, err
		}
		if o.namespace == "" {
			return nil, fmt.Errorf("--target needs --namespace: the namespace the server runs on, seeded by an earlier run with --keep")
		}
		if o.apiKey == "" {
			o.apiKey = getenv("CANDOR_BENCH_KEY")
		}
		if o.apiKey == "" {
			return nil, fmt.Errorf("--target needs --api-key (or CANDOR_BENCH_KEY): a site key of that server")
		}
	}
	if o.namespace == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.namespace = "bench-" + hex.EncodeToString(b)
	}
	return o, nil
}

// maxRun bounds a whole run, whatever the flags say.
const maxRun = 30 * time.Minute

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, maxRun)
	defer cancel()
	rep, err := measure(ctx, o, stderr)
	if err != nil {
		return err
	}
	if err := writeHeapProfile(o.memprofile); err != nil {
		return err
	}
	tableOut := stdout
	if o.json {
		tableOut = stderr
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	}
	if err := rep.WriteTable(tableOut); err != nil {
		return err
	}
	if o.png != "" {
		f, err := os.Create(o.png)
		if err != nil {
			return err
		}
		if err := rep.WritePNG(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", o.png)
	}
	return nil
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return " (" + strings.TrimSpace(v) + ")"
		}
	}
	return ""
}

func machine() Machine {
	return Machine{CPUs: runtime.NumCPU(), CPUModel: cpuModel(), Go: runtime.Version(), LoadStart: loadAverage()}
}

// startProfile starts a CPU profile to path, if set.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}

// writeHeapProfile writes the allocation profile to path, if set.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
