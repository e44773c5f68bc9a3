package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v3"
	"go.uber.org/zap"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/movielens"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/retrain"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a model from the store (consented data only) or a MovieLens directory and publish it",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "from-store", Usage: "train from the store, each customer read through the consent gate (the default without --data)"},
			&cli.StringFlag{Name: "data", Usage: "train from this MovieLens directory instead of the store (as `candor import movielens --consent full` would store it)"},
			&cli.StringFlag{Name: "out", Usage: "write the artifact to this file instead of publishing it to Redis"},
			&cli.BoolFlag{Name: "no-activate", Usage: "store the new version without making it live"},
			&cli.BoolFlag{Name: "no-measure", Usage: "skip the hold-out measurement (nDCG@10 etc. shown by GET /v1/models), which fits the model once more"},
			&cli.DurationFlag{Name: "every", Usage: "keep running and train from the store this often (at least 1m), one process at a time among workers and servers with --train-every; stops on SIGINT/SIGTERM"},
			&cli.StringFlag{Name: "metrics-addr", Usage: "with --every, serve the worker's Prometheus metrics (trainings, their duration, the model's age, Redis calls) at http://`ADDR`/metrics, e.g. :9464; default: none"},
		}, tuningFlags()...),
		Action: trainAction,
	}
}

// trainMemoryLimit is the soft memory limit of Go's garbage collector
// during `candor train` unless GOMEMLIMIT is set: 6 GiB. Training makes
// several copies of the corpus and much short-lived garbage; without a
// limit the heap may grow to twice what is live (over 10 GiB on 10
// million interactions), with it the collector works harder instead near
// the limit. It is soft: a training that needs more live memory gets it.
const trainMemoryLimit = 6 << 30

func trainAction(ctx context.Context, cmd *cli.Command) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(trainMemoryLimit))
	}
	kinds, err := modelKinds(cmd, false)
	if err != nil {
		return err
	}
	o, err := fitOptions(cmd, kinds[0])
	if err != nil {
		return err
	}
	if dir := cmd.String("data"); dir != "" {
		if cmd.Bool("from-store") {
			return usagef("--from-store and --data %s: choose one source", dir)
		}
		if cmd.IsSet("every") {
			return usagef("--every trains from the store, not from --data")
		}
		if cmd.IsSet("metrics-addr") {
			return usagef("--metrics-addr is for the --every worker")
		}
		return trainFromDir(ctx, cmd, o, dir)
	}
	if cmd.IsSet("every") {
		return trainEvery(ctx, cmd, o)
	}
	if cmd.IsSet("metrics-addr") {
		return usagef("--metrics-addr is for the --every worker")
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		c, readAt, err := storeCorpus(ctx, st, svc)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.Root().ErrWriter, "training %s on %d interactions of %d customers (read through the consent gate)\n", o.Train.Kind, c.Interactions(), len(c.States))
		return trainOut(ctx, cmd, c, readAt, o, svc.models)
	})
}

// trainEvery is `candor train --every`: a worker that trains from the
// store on schedule, with the flags given, sharing the schedule and the
// lock with servers run with --train-every.
func trainEvery(ctx context.Context, cmd *cli.Command, o evaluation.Options) error {
	if cmd.String("out") != "" {
		return usagef("--every publishes to the store; it cannot write --out")
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if err := cfg.scheduleTraining(cmd.Duration("every"), "--every"); err != nil {
		return err
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		log, stop, err := newLogger(cfg)
		if err != nil {
			return err
		}
		defer stop()
		redisLog.to.Store(log)
		train := func(ctx context.Context) error {
			c, readAt, err := storeCorpus(ctx, st, svc)
			if err != nil {
				return err
			}
			if err := trainOut(ctx, cmd, c, readAt, o, svc.models); err != nil {
				return err
			}
			pruneModels(ctx, st, cfg.MaxModelAge, log)
			return nil
		}
		sch, err := retrain.New(st, svc.training.timed(train), retrain.Config{Every: cfg.TrainEvery})
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		metrics, err := serveWorkerMetrics(ctx, cmd, newRegistry(svc, st), cfg, log)
		if err != nil {
			return err
		}
		report := svc.training.report(log, cfg.MaxModelAge)
		log.Info("training on schedule", zap.Duration("every", cfg.TrainEvery), zap.String("model", string(o.Train.Kind)), zap.Duration("max_model_age", cfg.MaxModelAge))
		report(sch.Tick(ctx))
		sch.Run(ctx, report)
		cancel()
		return metrics()
	})
}

// serveWorkerMetrics serves reg at --metrics-addr/metrics until ctx ends
// (nothing without the flag); wait returns once the listener is closed.
func serveWorkerMetrics(ctx context.Context, cmd *cli.Command, reg *prometheus.Registry, cfg config, log *zap.Logger) (wait func() error, err error) {
	addr := cmd.String("metrics-addr")
	if addr == "" {
		return func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	fmt.Fprintf(cmd.Root().ErrWriter, "metrics on http://%s/metrics\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- runHTTP(ctx, newHTTPServer(cfg, mux, log), ln, 5*time.Second, log) }()
	return func() error { return <-errc }, nil
}

func trainFromDir(ctx context.Context, cmd *cli.Command, o evaluation.Options, dir string) error {
	readAt := time.Now().UTC()
	ds, err := movielens.LoadDir(ctx, dir, movielens.LoadOptions{})
	if err != nil {
		return err
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(cmd.Root().ErrWriter, "skipped %d malformed lines, e.g. %s\n", ds.Skipped, ds.Problems[0])
	}
	c, err := evaluation.FromDataset(ctx, ds, evaluation.DatasetOptions{})
	if err != nil {
		return err
	}
	if cmd.String("out") != "" {
		return trainOut(ctx, cmd, c, readAt, o, nil)
	}
	return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
		cfg, _ := loadConfig(cmd)
		svc, err := newServices(cfg, st)
		if err != nil {
			return err
		}
		if err := svc.catalog.Reload(ctx); err != nil {
			return err
		}
		return trainOut(ctx, cmd, c, readAt, o, svc.models)
	})
}

// trainOut measures the model on a hold-out split, trains it on all the
// data (read at readAt) with a progress bar, and writes the artifact to
// --out or publishes it through reg.
func trainOut(ctx context.Context, cmd *cli.Command, c *evaluation.Corpus, readAt time.Time, o evaluation.Options, reg *recommend.Registry) error {
	errw := cmd.Root().ErrWriter
	p := newProgress(errw)
	o.Progress = p.Report
	if !cmd.Bool("no-measure") {
		fmt.Fprintln(errw, "measuring on a 75/25 hold-out split first (--no-measure skips it)")
	}
	m, err := trainMeasured(ctx, cmd, c, o)
	p.Finish()
	if err != nil {
		return err
	}
	m.Meta.DataReadAt = readAt
	w := cmd.Root().Writer
	if out := cmd.String("out"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := m.Encode(f); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s model (%d items, %.1fs%s) to %s\nscoring: %s\n", m.Kind, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m), out, m.Scoring().Note)
		return f.Close()
	}
	reg.PublishOnly() // this process never scores with the model
	v, err := reg.Publish(ctx, m, !cmd.Bool("no-activate"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published model %s (%d items, %.1fs%s)\nscoring: %s\n", v, m.NumItems(), m.Meta.TrainSeconds, metricsNote(m), m.Scoring().Note)
	return nil
}

// trainMeasured fits with o, first on a hold-out split unless
// --no-measure, whose figures become the model's metrics.
func trainMeasured(ctx context.Context, cmd *cli.Command, c *evaluation.Corpus, o evaluation.Options) (*models.Model, error) {
	if cmd.Bool("no-measure") {
		return evaluation.Fit(ctx, c, o)
	}
	return measured(ctx, c, o, func(err error) { fmt.Fprintf(cmd.Root().ErrWriter, "not measured: %s\n", candor.ErrorMessage(err)) })
}

// metricsNote is ", hold-out nDCG@10 0.123" when the model was measured.
func metricsNote(m *models.Model) string {
	if v, ok := m.Meta.Metrics["ndcg_at_10"]; ok {
		return fmt.Sprintf(", hold-out nDCG@10 %.3f", v)
	}
	return ""
}
