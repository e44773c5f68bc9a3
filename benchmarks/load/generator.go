package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// envGenerator, set to the harness's process ID, makes this program the
// load generator of that harness's run (serveGenerator; isGenerator)
// instead of a harness. With
// --generator-process the harness starts its generator as a child
// process, so that its own CPU time, measured per phase, is the server's
// alone: the generator's requests, pacing and response reading are not
// in the server's CPU per request. (Measured in session 17: sent from the
// harness process, they add 0-40 µs a request to it; a process of their
// own spends 357-461 µs a request, its own runtime's scheduling and
// polling, on the same two cores.)
const envGenerator = "CANDOR_LOAD_GENERATOR"

// isGenerator reports whether this process is a harness's generator: the
// variable names its parent, so one left set in a shell does not turn the
// harness into a generator waiting on its input.
func isGenerator() bool {
	return os.Getenv(envGenerator) == strconv.Itoa(os.Getppid())
}

// genJob is one phase as the harness hands it to its generator: the
// paths of its requests in order (request seq asks for
// Paths[seq%len(Paths)]), and which answers count as degraded.
type genJob struct {
	Name     string        `json:"name"`
	Base     string        `json:"base"`
	Header   http.Header   `json:"header"`
	Rate     int           `json:"rate"`
	Duration time.Duration `json:"duration"`
	Paths    []string      `json:"paths"`
	// Degraded names the check of a 2xx body: "recommendation"
	// (recommendationFallback) or "" (none).
	Degraded string `json:"degraded,omitempty"`
}

// genDone is the line the generator writes as soon as a job's requests
// are answered, before its result: the harness closes its measured
// window there, so decoding the samples is not counted.
type genDone struct {
	Done bool `json:"done"`
}

// genResult is what the generator measured of a job, with its own CPU
// time over the job.
type genResult struct {
	Result  *PhaseResult `json:"result"`
	Samples [][2]int64   `json:"samples"` // due since the start, latency (ns)
	Span    float64      `json:"span"`
	Gaps    int          `json:"gaps"`
	CPU     int64        `json:"cpu_ns"`
	Err     string       `json:"error,omitempty"`
}

// degradedChecks are the checks a job may name.
var degradedChecks = map[string]func([]byte) string{"recommendation": recommendationFallback}

// jobOf is the job that runs phase p: its requests' paths (as many as
// its rate and duration send, and a few spare), its check named.
func jobOf(p phase) genJob {
	j := genJob{Name: p.name, Base: p.base, Header: p.header, Rate: p.rate, Duration: p.duration}
	if p.degraded != nil {
		j.Degraded = "recommendation" // the only check phases make
	}
	n := int(float64(p.rate)*p.duration.Seconds()) + 16
	j.Paths = make([]string, n)
	for i := range j.Paths {
		j.Paths[i] = p.path(uint64(i))
	}
	return j
}

// phase is the job as a phase the generator runs.
func (j genJob) phase() (phase, error) {
	check, ok := degradedChecks[j.Degraded]
	if j.Degraded != "" && !ok {
		return phase{}, fmt.Errorf("unknown check %q", j.Degraded)
	}
	if len(j.Paths) == 0 || j.Rate <= 0 || j.Duration <= 0 {
		return phase{}, fmt.Errorf("job %q: %d paths, rate %d, duration %s", j.Name, len(j.Paths), j.Rate, j.Duration)
	}
	paths := j.Paths
	return phase{name: j.Name, base: j.Base, header: j.Header, rate: j.Rate, duration: j.Duration, degraded: check,
		path: func(seq uint64) string { return paths[seq%uint64(len(paths))] }}, nil
}

// serveGenerator runs the jobs read from in, one at a time, and writes
// each one's result to out, until in ends.
func serveGenerator(ctx context.Context, in io.Reader, out io.Writer) error {
	dec, enc := json.NewDecoder(in), json.NewEncoder(out)
	for {
		var j genJob
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("generator: read job: %w", err)
		}
		res := runJob(ctx, j)
		if err := enc.Encode(genDone{Done: true}); err != nil {
			return fmt.Errorf("generator: write result: %w", err)
		}
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("generator: write result: %w", err)
		}
	}
}

func runJob(ctx context.Context, j genJob) genResult {
	p, err := j.phase()
	if err != nil {
		return genResult{Err: err.Error()}
	}
	cpu0 := processCPU()
	r := p.run(ctx)
	g := genResult{Result: r, Span: r.span, Gaps: r.gaps, CPU: int64(processCPU() - cpu0), Samples: make([][2]int64, len(r.samples))}
	for i, s := range r.samples {
		g.Samples[i] = [2]int64{int64(s.at), int64(s.latency)}
	}
	return g
}

// generator is the harness's load generator process.
type generator struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	dec *json.Decoder
}

// startGenerator starts this program again as the load generator. It ends
// with ctx, or when close shuts its input.
func startGenerator(ctx context.Context) (*generator, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), envGenerator+"="+strconv.Itoa(os.Getpid()))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		_ = in.Close()
		return nil, fmt.Errorf("load generator: %w", err)
	}
	return &generator{cmd: cmd, in: in, dec: json.NewDecoder(out)}, nil
}

// window marks where a measured phase begins and ends (either may be
// nil): the harness's own work of a job, its paths before it and its
// samples after it, falls outside.
type window struct{ open, close func() }

func (w window) opened() {
	if w.open != nil {
		w.open()
	}
}

func (w window) closed() {
	if w.close != nil {
		w.close()
	}
}

// run has the generator run phase p, within window w, and returns what
// it measured, with the generator's CPU time over it. When ctx ended
// (which kills the generator) the error says so.
func (g *generator) run(ctx context.Context, p phase, w window) (*PhaseResult, time.Duration, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	job, err := json.Marshal(jobOf(p))
	if err != nil {
		return nil, 0, err
	}
	fail := func(what string, err error) (*PhaseResult, time.Duration, error) {
		if cerr := context.Cause(ctx); cerr != nil {
			err = cerr
		}
		return nil, 0, fmt.Errorf("load generator: %s %s: %w", what, p.name, err)
	}
	w.opened()
	if _, err := g.in.Write(append(job, '\n')); err != nil {
		return fail("send", err)
	}
	var done genDone
	if err := g.dec.Decode(&done); err != nil || !done.Done {
		return fail("run", cmp.Or(err, errors.New("no end of the phase")))
	}
	w.closed()
	var res genResult
	if err := g.dec.Decode(&res); err != nil {
		return fail("result of", err)
	}
	if res.Err != "" {
		return nil, 0, fmt.Errorf("load generator: %s", res.Err)
	}
	r := res.Result
	r.span, r.gaps = res.Span, res.Gaps
	r.samples = make([]sample, len(res.Samples))
	for i, s := range res.Samples {
		r.samples[i] = sample{at: time.Duration(s[0]), latency: time.Duration(s[1])}
	}
	return r, time.Duration(res.CPU), nil
}

// close ends the generator and waits for it.
func (g *generator) close() error {
	_ = g.in.Close()
	err := g.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
		return nil // killed as the run's context ended
	}
	return err
}

// attack runs phase p: in the generator process (--generator-process),
// or in this one. A generator that failed fails every phase after it;
// measure returns its error.
func (b *bench) attack(ctx context.Context, p phase, w window) *PhaseResult {
	if b.world != nil {
		b.world.setPhase(p.name)
	}
	if b.gen == nil {
		w.opened()
		defer w.closed()
		if !b.labelled {
			return p.run(ctx)
		}
		var r *PhaseResult // the load generator's goroutines inherit the labels
		pprof.Do(ctx, pprof.Labels("phase", p.name, "side", "generator"), func(ctx context.Context) { r = p.run(ctx) })
		return r
	}
	if b.genErr == nil {
		r, cpu, err := b.gen.run(ctx, p, w)
		if err == nil {
			if r.Requests > 0 {
				r.GeneratorCPUPerReq = float64(cpu.Microseconds()) / float64(r.Requests)
			}
			return r
		}
		b.genErr = err
	}
	return &PhaseResult{Name: p.name, Rate: p.rate, Codes: map[string]int{}, Errors: 1, FirstError: b.genErr.Error()}
}
