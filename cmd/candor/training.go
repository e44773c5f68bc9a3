package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/retrain"
)

// trainingMetrics count scheduled trainings, time them and expose the
// live model's age.
type trainingMetrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	reg      *recommend.Registry
	now      func() time.Time
}

func newTrainingMetrics(reg *recommend.Registry) *trainingMetrics {
	return &trainingMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_model_trainings_total",
			Help: "Scheduled trainings by result: trained (published), failed (the live model stays).",
		}, []string{"result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "candor_model_training_duration_seconds",
			Help:    "How long scheduled trainings took, from reading the store to publishing (or failing), by result: trained, failed.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600},
		}, []string{"result"}),
		reg: reg, now: time.Now,
	}
}

// timed returns train observing how long each run took, under its result
// (the same results Tick reports: trained, or failed with any error,
// the lock lost included).
func (m *trainingMetrics) timed(train func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		start := time.Now()
		err := train(ctx)
		result := retrain.Trained
		if err != nil {
			result = retrain.Failed
		}
		m.duration.WithLabelValues(string(result)).Observe(time.Since(start).Seconds())
		return err
	}
}

var modelAgeDesc = prometheus.NewDesc("candor_model_age_seconds",
	"Age of the data of the model this server holds: now minus when its training data was read from the store.", nil, nil)

// Describe and Collect make the metrics one prometheus.Collector; the age
// is left out while no model is loaded.
func (m *trainingMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.runs.Describe(ch)
	m.duration.Describe(ch)
	ch <- modelAgeDesc
}

func (m *trainingMetrics) Collect(ch chan<- prometheus.Metric) {
	m.runs.Collect(ch)
	m.duration.Collect(ch)
	if t := m.reg.Loaded(); t != nil {
		ch <- prometheus.MustNewConstMetric(modelAgeDesc, prometheus.GaugeValue, m.now().Sub(recommend.DataOf(t.M)).Seconds())
	}
}

// report counts and logs what one scheduled check did.
func (m *trainingMetrics) report(log *zap.Logger, maxAge time.Duration) func(retrain.Outcome, error) {
	return func(o retrain.Outcome, err error) {
		switch o {
		case retrain.Trained:
			m.runs.WithLabelValues(string(o)).Inc()
		case retrain.Failed:
			m.runs.WithLabelValues(string(o)).Inc()
			fields := []zap.Field{zap.Error(err)}
			if t := m.reg.Loaded(); t != nil {
				fields = append(fields, zap.String("live_model", t.Ver), zap.Time("data_read_at", recommend.DataOf(t.M)))
				if maxAge > 0 {
					fields = append(fields, zap.Time("retires_at", recommend.DataOf(t.M).Add(maxAge)))
				}
			}
			log.Error("scheduled training failed; the live model stays", fields...)
		}
	}
}

// newScheduler trains the live model's kind (item-kNN when there is none)
// with the training path every server runs for its first model, every
// cfg.TrainEvery, on one replica at a time.
// now is the scheduler's clock (nil: time.Now).
func newScheduler(st *redisstore.Store, svc *services, cfg config, log *zap.Logger, now func() time.Time) (*retrain.Scheduler, error) {
	train := func(ctx context.Context) error {
		kind := models.KindItemKNN
		if t := svc.models.Loaded(); t != nil {
			kind = t.M.Kind
		}
		if err := trainAndPublish(ctx, st, svc, kind, 0, log); err != nil {
			return err
		}
		pruneModels(ctx, st, cfg.MaxModelAge, log)
		return nil
	}
	fresh := func() time.Time {
		if t := svc.models.Loaded(); t != nil {
			return recommend.DataOf(t.M)
		}
		return time.Time{}
	}
	return retrain.New(st, svc.training.timed(train), retrain.Config{Every: cfg.TrainEvery, Fresh: fresh, Now: now})
}

// pruneModels deletes the stored versions whose data is older than maxAge
// (never the live one), so that no stored model can be made live again
// with an erased customer's data. It is best effort: a version it misses
// is deleted by the next training, and Activate refuses it meanwhile.
func pruneModels(ctx context.Context, st *redisstore.Store, maxAge time.Duration, log *zap.Logger) {
	if maxAge <= 0 {
		return
	}
	infos, err := st.ModelInfos(ctx)
	if err != nil {
		log.Warn("listing models to delete the old ones", zap.Error(err))
		return
	}
	var old []string
	for _, in := range infos {
		read := in.DataReadAt
		if read.IsZero() {
			read = in.TrainedAt
		}
		if time.Since(read) >= maxAge {
			old = append(old, in.Version)
		}
	}
	n, err := st.DeleteModels(ctx, old...)
	if err != nil {
		log.Warn("deleting old models", zap.Error(err))
	}
	if n > 0 {
		log.Info("deleted models older than --max-model-age", zap.Int("versions", n), zap.Duration("max_model_age", maxAge))
	}
}
