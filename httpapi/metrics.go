package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/trust"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "candor_http_request_duration_seconds",
			Help:    "HTTP request latency by route and method.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	overBudget := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "candor_rules_over_budget_total",
		Help: "Recommendation requests whose rules took their budget of operations, so that some rules were not (fully) applied.",
	}, func() float64 { return float64(rules.OverBudgetTotal()) })
	reg.MustRegister(m.requests, m.latency, overBudget)
	return m
}

func (m *httpMetrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// DecisionQueue is the decision writer as its metrics see it.
// Implemented by recommend.Writer.
type DecisionQueue interface {
	// Queued returns how many records wait to be written.
	Queued() int
	// Stats returns how many records were written, dropped because the
	// queue was full, and lost to store errors, since the process began.
	Stats() (written, dropped, failed int64)
}

// domainMetrics count what the API's answers say happened. Labels take
// only bounded values (levels, reasons, kinds, versions), never a customer
// or item ID; the trust ratios are PromQL over them (see the README).
type domainMetrics struct {
	recommendations *prometheus.CounterVec
	nextBest        *prometheus.CounterVec
	feedback        *prometheus.CounterVec
	erasures        prometheus.Counter
	rateLimited     *prometheus.CounterVec
	live            func() (model string, ruleset int) // nil: no recommendation service
	decision        func(ctx context.Context, customer, id string) (*recommend.Response, error)
	trust           *trust.Counter // nil: not kept
}

func newDomainMetrics(reg prometheus.Registerer, rec *recommend.Service, q DecisionQueue, tc *trust.Counter) *domainMetrics {
	m := &domainMetrics{
		trust: tc,
		recommendations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_recommendations_total",
			Help: "Recommendation answers, by personalization level (full, partial, none), fallback reason (\"\" when personal data was read; store_unavailable, timeout, circuit_open, no_model, model_retired), model version and ruleset version.",
		}, []string{"personalization", "fallback_reason", "model_version", "ruleset_version"}),
		nextBest: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_next_best_actions_total",
			Help: "Next-best-action answers, by personalization level of the state read (full, partial, none), fallback reason (\"\" when the state was read) and why no action was chosen (\"\" when some was).",
		}, []string{"personalization", "fallback_reason", "no_action"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_feedback_total",
			Help: "Customer feedback recorded, by kind (not_interested, wrong_reason, hide_category, remove_from_history) and the model and ruleset versions of the decision it names (decision_id), or, without one or once that decision is no longer kept, those live when it arrived.",
		}, []string{"kind", "model_version", "ruleset_version"}),
		erasures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "candor_erasures_total",
			Help: "Customer erasures carried out.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_rate_limited_total",
			Help: "Requests refused by a per-customer rate limit, by limit (export, erase).",
		}, []string{"limit"}),
	}
	reg.MustRegister(m.recommendations, m.nextBest, m.feedback, m.erasures, m.rateLimited,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "candor_rules_skipped_for_cost_total",
			Help: "Rules not applied, or not to every candidate, because their request's budget of operations ran out (each cut rule once per request).",
		}, func() float64 { return float64(rules.SkippedForCostTotal()) }))
	if tc != nil {
		reg.MustRegister(customersCollector{tc})
	}
	if rec != nil {
		m.live, m.decision = rec.Live, rec.Decision
		reg.MustRegister(liveCollector{live: rec.Live})
	}
	if q != nil {
		stat := func(pick func(w, d, f int64) int64) func() float64 {
			return func() float64 { w, d, f := q.Stats(); return float64(pick(w, d, f)) }
		}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "candor_decision_queue_length",
				Help: "Decision records waiting in the writer's queue.",
			}, func() float64 { return float64(q.Queued()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "candor_decision_records_written_total",
				Help: "Decision records the writer stored.",
			}, stat(func(w, _, _ int64) int64 { return w })),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "candor_decision_records_dropped_total",
				Help: "Decision records dropped because the writer's queue was full.",
			}, stat(func(_, d, _ int64) int64 { return d })),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "candor_decision_records_failed_total",
				Help: "Decision records lost to store errors.",
			}, stat(func(_, _, f int64) int64 { return f })))
	}
	return m
}

func (m *domainMetrics) recommendation(r *recommend.Response) {
	m.recommendations.WithLabelValues(r.Personalization.Level, r.Fallback.Reason, r.ModelVersion, strconv.Itoa(r.RulesetVersion)).Inc()
	level := r.Personalization.Level
	if r.Fallback.Active {
		level = "fallback"
	}
	m.trust.Recommendation(level, r.ModelVersion, r.RulesetVersion)
}

func (m *domainMetrics) nextBestAction(level string, fb recommend.Fallback, noAction string) {
	m.nextBest.WithLabelValues(level, fb.Reason, noAction).Inc()
}

// feedbackOf counts feedback of kind from customer: under the model and
// ruleset versions of the decision it names when that decision is still
// held, else under the versions live now.
func (m *domainMetrics) feedbackOf(ctx context.Context, kind features.FeedbackKind, customer, decision string) {
	model, ruleset := "", 0
	if m.live != nil {
		model, ruleset = m.live()
	}
	if decision != "" && m.decision != nil {
		if r, err := m.decision(ctx, customer, decision); err == nil && r.ModelVersion != "" {
			model, ruleset = r.ModelVersion, r.RulesetVersion // a recommendation's, not a next-best action's
		}
	}
	m.feedback.WithLabelValues(string(kind), model, strconv.Itoa(ruleset)).Inc()
	m.trust.Feedback(string(kind), model, ruleset)
}

// limited counts err when a rate limit refused the request.
func (m *domainMetrics) limited(limit string, err error) {
	if candor.ErrorCode(err) == candor.ERateLimited {
		m.rateLimited.WithLabelValues(limit).Inc()
	}
}

// liveCollector exports the versions a recommendation is answered with
// now, as info metrics (value 1).
type liveCollector struct {
	live func() (model string, ruleset int)
}

var (
	modelInfoDesc   = prometheus.NewDesc("candor_model_info", "The live model's version (value 1); absent until a model is loaded.", []string{"version"}, nil)
	rulesetInfoDesc = prometheus.NewDesc("candor_ruleset_info", "The live ruleset's version (value 1; 0 when none is published).", []string{"version"}, nil)
)

func (liveCollector) Describe(ch chan<- *prometheus.Desc) { ch <- modelInfoDesc; ch <- rulesetInfoDesc }

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	model, ruleset := c.live()
	if model != "" {
		ch <- prometheus.MustNewConstMetric(modelInfoDesc, prometheus.GaugeValue, 1, model)
	}
	ch <- prometheus.MustNewConstMetric(rulesetInfoDesc, prometheus.GaugeValue, 1, strconv.Itoa(ruleset))
}

// customersCollector exports the counts of customers, summed over every
// replica in the store, as the trust counter last read them (every
// trust.FlushEvery): every replica exports the same figure, so aggregate
// with max, not sum. Absent until first read.
type customersCollector struct{ tc *trust.Counter }

var (
	customersDesc = prometheus.NewDesc("candor_consent_customers",
		"Customers with a consent record, by the personalization level their recorded choices allow (full, partial, none), over every replica (aggregate with max).", []string{"level"}, nil)
	shownDesc = prometheus.NewDesc("candor_customers_shown_personalized",
		"Distinct customers shown a personalized recommendation (whose decision record was stored) in the last 7 days, over every replica (aggregate with max).", nil, nil)
)

func (customersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- customersDesc; ch <- shownDesc }

func (c customersCollector) Collect(ch chan<- prometheus.Metric) {
	cs, ok := c.tc.Last()
	if !ok {
		return
	}
	for _, l := range consent.Levels {
		ch <- prometheus.MustNewConstMetric(customersDesc, prometheus.GaugeValue, float64(cs.Levels[l]), l)
	}
	ch <- prometheus.MustNewConstMetric(shownDesc, prometheus.GaugeValue, float64(cs.Shown))
}
