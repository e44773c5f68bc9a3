package redisstore

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Instrument records the latency of every Redis command and pipeline on
// reg as candor_redis_call_duration_seconds{cmd}.
func (s *Store) Instrument(reg prometheus.Registerer) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "candor_redis_call_duration_seconds",
		Help:    "Redis round-trip latency by command (pipelines as 'pipeline').",
		Buckets: []float64{.0001, .00025, .0005, .001, .002, .005, .01, .025, .05, .1, .5},
	}, []string{"cmd"})
	reg.MustRegister(h, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "candor_customer_counts_failed_total",
		Help: "Moves of the shared counts of customers (per consent level, shown a personalized recommendation) lost to store errors: the level counts stay off until `candor consent recount`, the shown count until the hour leaves the 7-day window.",
	}, func() float64 { return float64(s.CountsFailed()) }))
	s.rdb.AddHook(latencyHook{h: h})
}

type latencyHook struct{ h *prometheus.HistogramVec }

func (latencyHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l latencyHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		l.h.WithLabelValues(cmd.Name()).Observe(time.Since(start).Seconds())
		return err
	}
}

func (l latencyHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		l.h.WithLabelValues("pipeline").Observe(time.Since(start).Seconds())
		return err
	}
}
