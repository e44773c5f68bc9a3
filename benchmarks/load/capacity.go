package main

import (
	"context"
	"time"
)

// capacityLimit is the p99 a rate must stay under to count as sustained.
const capacityLimit = 10.0 // ms

// Step is one rate tried by the capacity search.
type Step struct {
	Rate     int     `json:"target_rps"`
	Achieved float64 `json:"achieved_rps"`
	P99      float64 `json:"p99_ms"`
	Errors   int     `json:"errors"`
	Degraded int     `json:"degraded"`
	Requests int     `json:"requests"`
	Pass     bool    `json:"pass"`
}

// Capacity is the highest rate whose p99 stayed under the limit with no
// errors and no fallback answers.
type Capacity struct {
	RPS       int     `json:"rps"`
	LimitP99  float64 `json:"limit_p99_ms"`
	StepSecs  float64 `json:"step_seconds"`
	Steps     []Step  `json:"steps"`
	Exhausted bool    `json:"exhausted"` // every step passed: capacity is at least RPS
}

// searchCapacity runs steps of stepDur at start, start+inc, ... up to
// most, stopping at the first rate that misses the limit or errs, so the
// search is bounded by ((most-start)/inc+1)·(retries+1) steps. A failed
// step is tried again up to retries times (on a shared machine one
// neighbour's burst fails a short step); every try is recorded. run
// measures one step.
func searchCapacity(ctx context.Context, start, inc, most, retries int, stepDur time.Duration, run func(ctx context.Context, rate int) *PhaseResult) *Capacity {
	c := &Capacity{LimitP99: capacityLimit, StepSecs: stepDur.Seconds(), Exhausted: true}
	for rate := start; rate <= most && ctx.Err() == nil; rate += inc {
		pass := false
		for try := 0; try <= retries && !pass && ctx.Err() == nil; try++ {
			r := run(ctx, rate)
			s := Step{Rate: rate, Achieved: r.Achieved, P99: r.Latency.P99, Errors: r.Errors, Degraded: r.Degraded, Requests: r.Requests}
			// A generator that cannot send at the rate, or a server answering
			// with its fallback, has not shown the rate is sustained either.
			s.Pass = s.Errors == 0 && s.Degraded == 0 && s.P99 <= capacityLimit && s.Achieved >= 0.95*float64(rate)
			c.Steps = append(c.Steps, s)
			pass = s.Pass
		}
		if !pass {
			c.Exhausted = false
			break
		}
		c.RPS = rate
	}
	return c
}
