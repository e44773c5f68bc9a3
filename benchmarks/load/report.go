package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is everything one run measured.
type Report struct {
	Started   string     `json:"started"`
	Machine   Machine    `json:"machine"`
	Target    string     `json:"target"` // "in-process" or the --target URL
	Namespace string     `json:"namespace"`
	Scale     scale      `json:"scale"`
	Seed      *seedStats `json:"seeding,omitempty"`
	Runs      []RateRun  `json:"runs"`
	Capacity  *Capacity  `json:"capacity,omitempty"`
	// ReadyzCapacity is the same search for GET /readyz, the reference.
	ReadyzCapacity *Capacity `json:"readyz_capacity,omitempty"`
	// Footprint is the namespace's Redis memory after the run, by kind.
	Footprint *Footprint `json:"footprint,omitempty"`
	LoadAfter string     `json:"load_average_after"`
}

// Machine is where the run ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model,omitempty"`
	Go        string `json:"go"`
	Redis     string `json:"redis,omitempty"`
	LoadStart string `json:"load_average_start"`
}

// RateRun is the three phases at one rate: recommendations, /readyz and the
// raw read, one after the other under the same load and HTTP stack.
type RateRun struct {
	Rate      int          `json:"rate"`
	Recommend *PhaseResult `json:"recommendations"`
	Long      *PhaseResult `json:"recommendations_long,omitempty"` // the --long-history customers'
	Readyz    *PhaseResult `json:"readyz,omitempty"`
	RawRead   *PhaseResult `json:"raw_read,omitempty"`
	// P99 (and P50) of recommendations over the references'.
	P99OverReadyz  float64 `json:"p99_over_readyz"`
	P99OverRawRead float64 `json:"p99_over_raw_read"`
	P50OverReadyz  float64 `json:"p50_over_readyz"`
	P50OverRawRead float64 `json:"p50_over_raw_read"`
	LoadAverage    string  `json:"load_average"`
	// LongCPUOverShort is the CPU a --long-history recommendation took
	// over a --history one's, in the same turns.
	LongCPUOverShort float64 `json:"long_cpu_over_short,omitempty"`
	// CPUOverReadyz (and LongCPUOverReadyz) is the server's CPU a
	// recommendation took over a /readyz's.
	CPUOverReadyz     float64 `json:"cpu_over_readyz,omitempty"`
	LongCPUOverReadyz float64 `json:"long_cpu_over_readyz,omitempty"`
}

// phases are the run's phases that ran, in the table's order.
func (r *RateRun) phases() []*PhaseResult {
	var out []*PhaseResult
	for _, p := range []*PhaseResult{r.Recommend, r.Long, r.Readyz, r.RawRead} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

func (r *RateRun) ratios() {
	if r.Long != nil {
		r.LongCPUOverShort = ratio(r.Long.CPUPerReq, r.Recommend.CPUPerReq)
	}
	if r.Readyz != nil {
		r.CPUOverReadyz = ratio(r.Recommend.CPUPerReq, r.Readyz.CPUPerReq)
		if r.Long != nil {
			r.LongCPUOverReadyz = ratio(r.Long.CPUPerReq, r.Readyz.CPUPerReq)
		}
		r.P99OverReadyz = ratio(r.Recommend.Latency.P99, r.Readyz.Latency.P99)
		r.P50OverReadyz = ratio(r.Recommend.Latency.P50, r.Readyz.Latency.P50)
	}
	if r.RawRead != nil {
		r.P99OverRawRead = ratio(r.Recommend.Latency.P99, r.RawRead.Latency.P99)
		r.P50OverRawRead = ratio(r.Recommend.Latency.P50, r.RawRead.Latency.P50)
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "Candor load test, %s, target %s, namespace %s\n", r.Started, r.Target, r.Namespace)
	fmt.Fprintf(w, "machine: %d CPUs%s, %s, Redis %s; load average at start %s, at end %s\n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.Go, r.Machine.Redis, r.Machine.LoadStart, r.LoadAfter)
	fmt.Fprintf(w, "data: %d items, %d customers, history %d%s (seed %d)", r.Scale.Items, r.Scale.Customers, r.Scale.History, r.Scale.long(), r.Scale.Seed)
	if r.Scale.Active > 0 {
		fmt.Fprintf(w, "; requests for %d of them", r.Scale.Active)
	}
	if s := r.Seed; s != nil {
		fmt.Fprintf(w, "; seeded %d events in %.1f s, consent %s; trained in %.1f s", s.Events, s.Seconds, levels(s.ByLevel), s.TrainSecs)
	}
	fmt.Fprintln(w)
	for _, run := range r.Runs {
		fmt.Fprintf(w, "\n== %d requests/s (load average %s)\n", run.Rate, run.LoadAverage)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\trequests\trate/s\terrors\tfallbacks\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\tmax lag ms\tredis cmds/req\tround trips/req\tallocs/req\tCPU µs/req\tRedis CPU µs/req\tin scripts\t")
		for _, p := range run.phases() {
			l := p.Latency
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t\n",
				p.Name, p.Requests, p.Achieved, p.Errors, p.Degraded, l.P50, l.P90, l.P99, l.P999, l.Max, p.MaxLag, p.CommandsPerReq, p.RoundTripsPerReq, p.AllocsPerReq, p.CPUPerReq, p.RedisCPUPerReq, p.RedisScriptPerReq)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if p := run.Recommend; p.Degraded > 0 {
			fmt.Fprintf(w, "recommendations answered with the non-personal fallback: %d (%s)\n", p.Degraded, levels(p.ByReason))
		}
		if p := run.Recommend; len(p.ByCommand) > 0 {
			fmt.Fprintf(w, "recommendations, Redis commands per request: %s (INFO commandstats, server-wide: %.2f)\n", byCommand(p.ByCommand), p.ServerCallsPerReq)
		} else if p.ServerCallsPerReq > 0 {
			fmt.Fprintf(w, "recommendations, Redis commands per request (INFO commandstats, server-wide; no client-side count against --target): %.2f\n", p.ServerCallsPerReq)
		}
		if line := redisSplit(run); line != "" {
			fmt.Fprintln(w, line)
		}
		if p := run.Recommend; p.RedisMemoryPerReq != nil {
			fmt.Fprintf(w, "recommendations, Redis memory per request: %+.0f bytes (INFO used_memory before the phase and after its decision records were written, server-wide)\n", *p.RedisMemoryPerReq)
		}
		for _, p := range run.phases() {
			if p.FirstError != "" {
				fmt.Fprintf(w, "%s, first error: %s\n", p.Name, p.FirstError)
			}
		}
		if line := generatorCPU(run); line != "" {
			fmt.Fprintln(w, line)
		}
		fmt.Fprintf(w, "recommendations / readyz: CPU per request %s, p50 %s, p99 %s; recommendations / raw read: p50 %s, p99 %s\n",
			x(run.CPUOverReadyz), x(run.P50OverReadyz), x(run.P99OverReadyz), x(run.P50OverRawRead), x(run.P99OverRawRead))
		if p := run.Long; p != nil {
			fmt.Fprintf(w, "%s / recommendations: CPU per request %s, p50 %s, p99 %s; %s / readyz: CPU per request %s\n", p.Name, x(run.LongCPUOverShort),
				x(ratio(p.Latency.P50, run.Recommend.Latency.P50)), x(ratio(p.Latency.P99, run.Recommend.Latency.P99)), p.Name, x(run.LongCPUOverReadyz))
		}
	}
	for _, c := range []struct {
		name string
		c    *Capacity
	}{{"recommendations", r.Capacity}, {"readyz", r.ReadyzCapacity}} {
		if err := c.c.write(w, c.name); err != nil {
			return err
		}
	}
	if r.Capacity != nil && r.ReadyzCapacity != nil && r.ReadyzCapacity.RPS > 0 {
		fmt.Fprintf(w, "recommendation capacity / readyz capacity: %.0f%%\n", 100*float64(r.Capacity.RPS)/float64(r.ReadyzCapacity.RPS))
	}
	return r.Footprint.write(w, r.Namespace)
}

// write renders one capacity search (nothing when c is nil).
func (c *Capacity) write(w io.Writer, name string) error {
	if c != nil {
		fmt.Fprintf(w, "\n== capacity of %s (p99 ≤ %.0f ms, no errors, no fallbacks, %.0f s steps)\n", name, c.LimitP99, c.StepSecs)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "target rps\tachieved\trequests\terrors\tfallbacks\tp99 ms\tpass\t")
		for _, s := range c.Steps {
			fmt.Fprintf(tw, "%d\t%.1f\t%d\t%d\t%d\t%.3f\t%v\t\n", s.Rate, s.Achieved, s.Requests, s.Errors, s.Degraded, s.P99, s.Pass)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		more := ""
		if c.Exhausted {
			more = " (every step passed: at least this)"
		}
		fmt.Fprintf(w, "capacity of %s: %d requests/s%s\n", name, c.RPS, more)
	}
	return nil
}

func x(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", v)
}

// joinSorted renders m as "k1 v1, k2 v2" by key, each value with format.
func joinSorted[V any](m map[string]V, format string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + fmt.Sprintf(format, m[k])
	}
	return strings.Join(parts, ", ")
}

func levels(m map[string]int) string { return joinSorted(m, "%d") }

func byCommand(m map[string]float64) string { return joinSorted(m, "%.3f") }

// redisSplit says of each phase of run how much of the Redis CPU a request
// was the kernel's (used_cpu_sys) and how much Redis's own (user), or ""
// when Redis did not report it.
func redisSplit(run RateRun) string {
	return phaseLine(run, "Redis CPU µs per request, kernel / user (INFO cpu used_cpu_sys / used_cpu_user, server-wide): ", func(p *PhaseResult) string {
		if p.RedisCPUPerReq <= 0 {
			return ""
		}
		total, sys := math.Round(p.RedisCPUPerReq), math.Round(p.RedisSysPerReq)
		return fmt.Sprintf("%s %.0f / %.0f", p.Name, sys, total-sys) // adding up to the table's total
	})
}

// generatorCPU says what the load generator process spent a request of
// each phase, or "" when it ran in this process.
func generatorCPU(run RateRun) string {
	return phaseLine(run, "load generator (a process of its own, not in CPU µs/req) CPU µs per request: ", func(p *PhaseResult) string {
		if p.GeneratorCPUPerReq <= 0 {
			return ""
		}
		return fmt.Sprintf("%s %.0f", p.Name, p.GeneratorCPUPerReq)
	})
}

// phaseLine is prefix and the parts of the run's phases that have one
// (part returns "" for a phase without), or "" when none has.
func phaseLine(run RateRun, prefix string, part func(*PhaseResult) string) string {
	var parts []string
	for _, p := range run.phases() {
		if s := part(p); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return prefix + strings.Join(parts, ", ")
}
