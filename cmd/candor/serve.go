package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/urfave/cli/v3"
	"go.uber.org/zap"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/rights"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/trust"
)

// reloadRules loads the live ruleset; none published yet is fine.
func reloadRules(ctx context.Context, l interface{ Reload(context.Context) error }) error {
	if err := l.Reload(ctx); err != nil && candor.ErrorCode(err) != candor.ENotFound {
		return err
	}
	return nil
}

// reloadRulesEvery reloads the live ruleset on a timer, for notices lost
// while the subscription was reconnecting.
func reloadRulesEvery(ctx context.Context, l *rules.Live, every time.Duration, log *zap.Logger) {
	candor.Every(ctx, every, func(ctx context.Context) error { return reloadRules(ctx, l) },
		func(err error) { log.Warn("reloading the ruleset", zap.Error(err)) })
}

// sampleOf returns up to 500 catalog items, for rule warnings such as "this
// filter would remove every candidate".
func sampleOf(live *catalog.Live) func() []*catalog.Item {
	return func() []*catalog.Item {
		items := live.Load().Items()
		out := make([]*catalog.Item, 0, min(len(items), 500))
		for i := 0; i < len(items) && len(out) < 500; i += max(1, len(items)/500) {
			out = append(out, &items[i])
		}
		return out
	}
}

// randomSecret makes a customer-token secret for the embedded demo.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:   "serve",
		Usage:  "serve the HTTP API (the default command)",
		Action: serveAction,
	}
}

// serveAction loads the configuration and serves until ctx ends.
func serveAction(ctx context.Context, cmd *cli.Command) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, cmd.Root().Writer)
}

// backend is the Redis the server runs on and what to release at exit.
type backend struct {
	store    *redisstore.Store
	embedded bool
	stop     func()
}

// openBackend opens the configured Redis, or starts the embedded one when
// no URL is configured.
func openBackend(cfg config) (*backend, error) {
	b := &backend{stop: func() {}}
	opt := cfg.Redis
	if !cfg.external() {
		u, stop, err := redisstore.Embedded()
		if err != nil {
			return nil, fmt.Errorf("start embedded Redis: %w", err)
		}
		opt.URL, b.stop, b.embedded = u, stop, true
	}
	timeout := cfg.RedisTimeout
	if b.embedded {
		timeout = max(timeout, 5*time.Second) // in-process: only a starved CPU is slow
	}
	opt.ReadTimeout, opt.WriteTimeout = timeout, timeout
	st, err := redisstore.Open(opt, cfg.Namespace)
	if err != nil {
		b.stop()
		return nil, err
	}
	b.store = st
	return b, nil
}

func (b *backend) Close() {
	_ = b.store.Close()
	b.stop()
}

// serve runs the server until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, cfg config, out io.Writer) error {
	log, stopLog, err := newLogger(cfg)
	if err != nil {
		return err
	}
	defer stopLog()
	redisLog.to.Store(log)
	be, err := openBackend(cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	if be.embedded && !cfg.AddrSet {
		cfg.Addr = demoAddr(cfg.Addr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr / CANDOR_ADDR %s: %w", cfg.Addr, err)
	}
	keyring := auth.NewKeyring(be.store)
	if be.embedded && cfg.TokenSecret == "" && cfg.TokenPublicKey == "" {
		cfg.TokenSecret = randomSecret()
	}
	if be.embedded && !cfg.TrainEverySet {
		if err := cfg.scheduleTraining(demoTrainEvery, "--train-every / CANDOR_TRAIN_EVERY"); err != nil {
			ln.Close()
			return err
		}
	}
	svc, err := newServices(cfg, be.store)
	if err != nil {
		ln.Close()
		return err
	}
	var shop *httpapi.Demo
	if be.embedded {
		if shop, err = startDemo(ctx, be.store, svc, keyring, baseURL(ln), out); err != nil {
			ln.Close()
			return err
		}
		if err := trainAndPublish(ctx, be.store, svc, models.KindItemKNN, firstModelFolds, log); err != nil {
			ln.Close()
			return fmt.Errorf("train the demo model: %w", err)
		}
	} else {
		fmt.Fprintf(out, "Candor listening on %s (Redis %s, namespace %s)\n", baseURL(ln), cfg.Redis.Describe(), cfg.Namespace)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go connectAndWatch(ctx, be.store, keyring, svc, log)
	go svc.decisions.Run(ctx)
	go svc.trust.Run(ctx, func(err error) { log.Warn("trust totals not stored; kept for the next try", zap.Error(err)) })
	if !be.embedded {
		go trainWhenConnected(ctx, be.store, svc, log)
	}
	if cfg.TrainEvery > 0 {
		sch, err := newScheduler(be.store, svc, cfg, log, nil)
		if err != nil {
			ln.Close()
			return err
		}
		if os.Getenv("GOMEMLIMIT") == "" { // training in this process: the same soft limit as `candor train`
			debug.SetMemoryLimit(trainMemoryLimit)
		}
		log.Info("scheduled training", zap.Duration("every", cfg.TrainEvery), zap.Duration("max_model_age", cfg.MaxModelAge))
		go sch.Run(ctx, svc.training.report(log, cfg.MaxModelAge))
	}
	srv := newHTTPServer(cfg, newAPI(svc, be.store, keyring, log, shop), log)
	return runHTTP(ctx, srv, ln, cfg.ShutdownTimeout, log)
}

// demoAddr keeps the embedded demo on this machine unless an address was
// chosen: its demo shop hands out the demo's site and marketer keys to any
// caller. ":8080" becomes "127.0.0.1:8080"; set --addr / CANDOR_ADDR (as
// the Dockerfile does) to expose it.
func demoAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// services are the domain services one server runs, built once.
type services struct {
	actionsLive *actions.Live
	responses   *actions.Responses // observed impressions and clicks per action
	rules       *rules.Service
	rulesLive   *rules.Live
	models      *recommend.Registry
	recommend   *recommend.Service
	decisions   *recommend.Writer
	trust       *trust.Counter      // hourly trust totals for the console
	retention   recommend.Retention // of decision records
	tokens      *auth.TokenVerifier
	tokenSecret string // set when tokens are HS256, for the demo token
	rights      *rights.Service
	consent     *consent.Service
	catalog     *catalog.Live
	features    *features.Service
	training    *trainingMetrics
}

func newServices(cfg config, st *redisstore.Store) (*services, error) {
	cs := newConsent(cfg, st)
	live := catalog.NewLive(st, cfg.SensitiveCategories)
	fs := features.NewService(st, func() features.Catalog { return live.Load() }, cs.Request, cfg.Retention)
	tv, err := newTokenVerifier(cfg)
	if err != nil {
		return nil, err
	}
	svc := &services{models: recommend.NewRegistry(st, live.Load), rules: rules.NewService(st, rules.Config{Sample: sampleOf(live), Exists: func(id string) bool { _, ok := live.Load().Get(id); return ok }}),
		rulesLive: rules.NewLive(st, cfg.Ruleset, live.Load), actionsLive: actions.NewLive(st), responses: actions.NewResponses(st), tokens: tv, tokenSecret: cfg.TokenSecret, rights: rights.NewService(st, cs), consent: cs, catalog: live, features: fs}
	fs.UseActions(func() features.ActionCatalog { return svc.actionsLive.Load() })
	if cfg.MaxModelAge > 0 {
		svc.models.RetireAfter(cfg.MaxModelAge, time.Now)
		svc.rights.ModelsWithin(cfg.MaxModelAge)
	}
	svc.training = newTrainingMetrics(svc.models)
	svc.retention = cfg.decisionRetention()
	svc.decisions = recommend.NewWriter(st, svc.retention, 10000)
	svc.trust = trust.NewCounter(st, nil)
	svc.rights.AfterErase(func(id string, at time.Time) { forgetDecisions(st, svc.decisions, id, at) })
	svc.recommend = recommend.NewService(recommend.Deps{
		Reader: st, Model: svc.models.Current, Retired: svc.models.Retired, Catalog: live.Load, Request: cs.Request,
		Feedback: redisstore.ParseFeedback, Decisions: svc.decisions, Store: st, Rules: svc.rulesLive.Load,
	}, recommend.Config{ReadBudget: cfg.ReadBudget, Replenishable: cfg.Replenishable})
	svc.rights.UseDecisions(svc.recommend)
	return svc, nil
}

// decisionSweeps are when, after an erasure, its customer's decision key is
// deleted once more: past a record already in flight from a replica's
// writer (20 ms batches, 2 s write timeout), and again past a writer that
// was backed up by a slow Redis.
var decisionSweeps = []time.Duration{5 * time.Second, 2 * time.Minute}

// forgetDecisions makes sure an erasure leaves no decision behind: every
// replica's writer drops the customer's queued records (this one at once,
// the others on the erased notice), and sweeps delete what a batch
// already in flight wrote after the erasure.
func forgetDecisions(st *redisstore.Store, w *recommend.Writer, id string, at time.Time) {
	w.Forget(id, at)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = st.Publish(ctx, redisstore.TopicErased+strconv.FormatInt(at.UnixMilli(), 10)+":"+id) // a lost notice leaves it to the sweeps
	for _, d := range decisionSweeps {
		time.AfterFunc(d, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = st.DeleteDecisions(ctx, id) // at worst a record outlives the erasure until it expires
		})
	}
}

// forgetErased reads an erased notice ("erased:<ms>:<id>") into the
// writer and reports whether topic was one.
func forgetErased(w *recommend.Writer, topic string) bool {
	rest, ok := strings.CutPrefix(topic, redisstore.TopicErased)
	if !ok {
		return false
	}
	ms, id, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if ok && err == nil && id != "" {
		w.Forget(id, time.UnixMilli(n))
	}
	return true
}

// gpcRecorder records a GPC signal off the request path; when many arrive
// at once the extra ones are skipped (the next request records it).
func gpcRecorder(cs *consent.Service) func(string) {
	sem := make(chan struct{}, 16)
	return func(id string) {
		select {
		case sem <- struct{}{}:
		default:
			return
		}
		go func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, _ = cs.RecordGPC(ctx, id)
		}()
	}
}

// newTokenVerifier returns the customer-token verifier the config asks for,
// or nil when customer tokens are off.
func newTokenVerifier(cfg config) (*auth.TokenVerifier, error) {
	switch {
	case cfg.TokenPublicKey != "":
		return auth.NewPublicKeyVerifier(cfg.TokenPublicKey)
	case cfg.TokenSecret != "":
		return auth.NewHMACVerifier([]byte(cfg.TokenSecret))
	}
	return nil, nil
}

// newAPI builds the HTTP handler; shop is nil outside the embedded demo.
func newAPI(svc *services, st *redisstore.Store, kr *auth.Keyring, log *zap.Logger, shop *httpapi.Demo) http.Handler {
	return newAPIOn(newRegistry(svc, st), svc, st, kr, log, shop)
}

// newRegistry returns the registry /metrics serves, with the metrics kept
// outside httpapi: Go, process, Redis calls, scheduled training.
func newRegistry(svc *services, st *redisstore.Store) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st.Instrument(reg)
	reg.MustRegister(svc.training)
	return reg
}

// newAPIOn is newAPI with the registry httpapi adds its metrics to.
func newAPIOn(reg *prometheus.Registry, svc *services, st *redisstore.Store, kr *auth.Keyring, log *zap.Logger, shop *httpapi.Demo) http.Handler {
	return httpapi.New(httpapi.Deps{
		Logger:      log,
		Registry:    reg,
		Keyring:     kr,
		Keys:        st,
		Ready:       []httpapi.ReadyCheck{{Name: "redis", Check: st.Ping, Startup: true}, {Name: "model", Check: svc.models.Ready}},
		Recommend:   svc.recommend,
		Decisions:   svc.decisions,
		Trust:       svc.trust,
		Models:      svc.models,
		Rules:       svc.rules,
		RulesReload: svc.rulesLive.Reload,
		NextBest: &httpapi.NextBest{Engine: actions.NewEngine(svc.actionsLive.Load, actions.Config{}), Service: actions.NewService(st, nil),
			Reload: svc.actionsLive.Reload, Gated: svc.recommend, Reader: st, Model: svc.models.Current, Catalog: svc.catalog.Load,
			Request: svc.consent.Request, Decisions: st, Retention: svc.retention, Responses: svc.responses.Load, Deliverer: st,
			Observed: st},
		Consent:  svc.consent,
		Catalog:  svc.catalog,
		Items:    st,
		Features: svc.features,
		Tokens:   svc.tokens,
		Rights:   svc.rights,
		GPC:      gpcRecorder(svc.consent),
		Demo:     shop,
	})
}

func newConsent(cfg config, st *redisstore.Store) *consent.Service {
	return consent.NewService(st, consent.Config{PolicyVersion: cfg.PolicyVersion, MaxAge: cfg.ConsentMaxAge, KeepOnWithdrawal: cfg.KeepOnWithdrawal})
}

func newHTTPServer(cfg config, h http.Handler, log *zap.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
}

// runHTTP serves on ln until ctx ends, then stops accepting and lets
// in-flight requests finish within grace.
func runHTTP(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *zap.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", zap.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// connectAndWatch waits for Redis with backoff, loads the keyring, then
// keeps it fresh from pub/sub notices and a timer until ctx ends.
func connectAndWatch(ctx context.Context, st *redisstore.Store, kr *auth.Keyring, svc *services, log *zap.Logger) {
	cat := svc.catalog
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		err := st.Ping(ctx)
		if err == nil {
			err = errors.Join(kr.Reload(ctx), cat.Reload(ctx), st.LoadScripts(ctx), reloadRules(ctx, svc.rulesLive), reloadRules(ctx, svc.actionsLive), svc.responses.Reload(ctx))
		}
		if err == nil {
			break
		}
		log.Warn("Redis not reachable; retrying", zap.Error(err), zap.Duration("retry_in", delay))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	log.Info("Redis connected", zap.Int("api_keys", kr.Len()), zap.Int("catalog_items", cat.Load().Len()))
	go st.Subscribe(ctx, func(topic string) {
		if forgetErased(svc.decisions, topic) {
			return
		}
		switch topic {
		case redisstore.TopicKeys:
			_ = kr.Reload(ctx)
		case redisstore.TopicCatalog:
			if err := cat.Reload(ctx); err != nil {
				log.Warn("reloading catalog", zap.Error(err))
			}
			svc.rulesLive.Warm()
		case redisstore.TopicActions:
			if err := svc.actionsLive.Reload(ctx); err != nil {
				log.Error("new action catalog refused; the previous one stays live", zap.Error(err))
			}
		case redisstore.TopicRules:
			if err := svc.rulesLive.Reload(ctx); err != nil {
				log.Error("new ruleset refused; the previous one stays live", zap.Error(err))
			}
		case redisstore.TopicModel:
			if err := svc.models.Reload(ctx); err != nil {
				log.Error("new model refused; the previous one stays live", zap.Error(err))
			}
		}
	})
	go reloadRulesEvery(ctx, svc.rulesLive, 10*time.Second, log)
	go svc.responses.Run(ctx, actions.DefaultResponseRefresh, func(err error) { log.Warn("reloading action response counts", zap.Error(err)) })
	kr.Run(ctx, auth.DefaultRefresh, func(err error) { log.Warn("reloading API keys", zap.Error(err)) })
}

func baseURL(ln net.Listener) string {
	addr := ln.Addr().(*net.TCPAddr)
	host := "localhost"
	if !addr.IP.IsUnspecified() {
		host = addr.IP.String()
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}
