package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

// world is Candor's services on the benchmark namespace, built as
// cmd/candor's newServices builds them (the consent service, live catalog,
// features, the scorer with its decision writer), minus what a load test
// does not exercise (rules, next-best-actions, rights, customer tokens).
type world struct {
	rdb      redis.UniversalClient
	ns       string
	store    *redisstore.Store
	consent  *consent.Service
	catalog  *catalog.Live
	features *features.Service
	model    atomic.Pointer[recommend.Trained]
	counter  *cmdCounter
	writer   *recommend.Writer // the scorer's decision writer, once serving
	budget   time.Duration     // the scorer's read budget (0: the server's default)
	// The profiler's labels (--cpuprofile): the current phase's, set on
	// a connection's goroutine by setLabels.
	labelled  bool
	labels    atomic.Pointer[context.Context]
	setLabels func(context.Context)
}

func newWorld(rdb redis.UniversalClient, ns string) *world {
	w := &world{rdb: rdb, ns: ns, counter: newCmdCounter(), setLabels: pprof.SetGoroutineLabels}
	rdb.AddHook(w.counter)
	w.store = redisstore.New(rdb, ns)
	w.consent = consent.NewService(w.store, consent.Config{PolicyVersion: 1})
	w.catalog = catalog.NewLive(w.store, catalog.DefaultSensitiveCategories)
	w.features = features.NewService(w.store, func() features.Catalog { return w.catalog.Load() }, w.consent.Request, features.DefaultRetention())
	return w
}

// server is the in-process HTTP server under test.
type server struct {
	url     string
	siteKey string
	srv     *http.Server
	stop    context.CancelFunc
}

// serve starts the API on 127.0.0.1:0 with the raw-read reference mounted
// beside it on the same http.Server.
func (w *world) serve(ctx context.Context) (*server, error) {
	plain, k := auth.NewKey(auth.RoleSite, "bench", time.Now())
	if err := w.store.PutKey(ctx, k); err != nil {
		return nil, err
	}
	kr := auth.NewKeyring(w.store)
	if err := kr.Reload(ctx); err != nil {
		return nil, err
	}
	if err := w.store.LoadScripts(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	writer := recommend.NewWriter(w.store, recommend.Retention{}, 10000)
	w.writer = writer
	go writer.Run(ctx)
	svc := recommend.NewService(recommend.Deps{
		Reader: w.store, Model: w.currentModel, Catalog: w.catalog.Load, Request: w.consent.Request,
		Feedback: redisstore.ParseFeedback, Decisions: writer, Store: w.store,
	}, recommend.Config{ReadBudget: w.budget})
	reg := prometheus.NewRegistry()
	w.store.Instrument(reg)
	api := httpapi.New(httpapi.Deps{
		Logger: zap.NewNop(), Registry: reg, Keyring: kr, Keys: w.store,
		Ready:     []httpapi.ReadyCheck{{Name: "redis", Check: w.store.Ping}},
		Recommend: svc, Consent: w.consent, Catalog: w.catalog, Items: w.store, Features: w.features,
	})
	mux := http.NewServeMux()
	mux.Handle("GET "+rawReadPath, rawRead(w.rdb, w.ns))
	mux.Handle("/", api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	if w.labelled {
		srv.ConnState = w.connState
	}
	go func() { _ = srv.Serve(ln) }()
	return &server{url: "http://" + ln.Addr().String(), siteKey: plain, srv: srv, stop: cancel}, nil
}

// setPhase names the phase whose requests the server answers from now
// on, for the profiler's labels (--cpuprofile).
func (w *world) setPhase(name string) {
	if !w.labelled {
		return
	}
	ctx := pprof.WithLabels(context.Background(), pprof.Labels("phase", name, "side", "server"))
	w.labels.Store(&ctx)
}

// connState labels a connection's goroutine with the current phase and
// side=server when a request on it becomes active (net/http calls it on
// that goroutine), so the profiler counts the handler, the response's
// writing and the next request's reading to the phase: a profile of one
// run reads a phase at a time (go tool pprof -tagfocus
// phase=recommendations-h500). The in-process load generator's
// goroutines carry side=generator (bench.attack); what carries neither is
// the runtime's own work (the scheduler, GC, the poller) and the decision
// writer's. It is set only with --cpuprofile.
func (w *world) connState(_ net.Conn, s http.ConnState) {
	if s != http.StateActive {
		return
	}
	if ctx := w.labels.Load(); ctx != nil {
		w.setLabels(*ctx)
	}
}

func (s *server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.stop()
}

// flushed waits until the decision writer has handled every record
// queued so far: its counts stop moving for 100 ms (at most 10 s).
func (w *world) flushed(ctx context.Context) {
	if w.writer == nil {
		return
	}
	total := func() int64 { a, b, c := w.writer.Stats(); return a + b + c }
	last, still := total(), 0
	for i := 0; i < 500 && still < 5 && ctx.Err() == nil; i++ {
		time.Sleep(20 * time.Millisecond)
		if n := total(); n != last {
			last, still = n, 0
		} else {
			still++
		}
	}
}

func (w *world) currentModel() recommend.Model {
	if m := w.model.Load(); m != nil {
		return m
	}
	return nil
}

// rawReadPath serves the reference: the plain go-redis read of the keys a
// recommendation reads, through the same HTTP server (but not echo's
// middleware, which is internal to httpapi).
const rawReadPath = "/bench/raw-read"

// rawRead reads, in one pipelined round trip, the customer's consent hash,
// the interaction sets (ZRANGE WITHSCORES), the profile hashes, feedback
// and contacts, and answers their sizes. Key names mirror
// redisstore/keys.go (which does not export them); the ratio of a
// recommendation to this isolates Candor's own work.
func rawRead(rdb redis.UniversalClient, ns string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("customer_id")
		if id == "" {
			http.Error(w, "customer_id is required", http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		k := ns + ":{c:" + id + "}"
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HGetAll(ctx, k+":consent")
			for _, set := range []string{"browsing", "purchases", "sensitive"} {
				p.ZRangeWithScores(ctx, k+":fs:"+set, 0, -1)
			}
			for _, set := range []string{"declared", "location", "demographics"} {
				p.HGetAll(ctx, k+":fs:"+set)
			}
			p.HGetAll(ctx, k+":feedback")
			p.ZRangeWithScores(ctx, k+":contacts", 0, -1)
			return nil
		})
		if err != nil && err != redis.Nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		n := 0
		for _, c := range cmds {
			switch c := c.(type) {
			case *redis.MapStringStringCmd:
				n += len(c.Val())
			case *redis.ZSliceCmd:
				n += len(c.Val())
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"customer_id":%q,"values":%d}`, id, n)
	})
}

// cmdCounter is a go-redis hook counting the commands and round trips the
// server's client sends.
type cmdCounter struct {
	mu     sync.Mutex
	cmds   int64
	trips  int64
	byName map[string]int64
}

func newCmdCounter() *cmdCounter { return &cmdCounter{byName: map[string]int64{}} }

// counts is a snapshot of a cmdCounter.
type counts struct {
	cmds, trips int64
	byName      map[string]int64
}

func (c *cmdCounter) snapshot() counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int64, len(c.byName))
	for k, v := range c.byName {
		m[k] = v
	}
	return counts{cmds: c.cmds, trips: c.trips, byName: m}
}

func (c *cmdCounter) add(cmds []redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips++
	for _, cmd := range cmds {
		c.cmds++
		c.byName[strings.ToLower(cmd.Name())]++
	}
}

func (*cmdCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *cmdCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (c *cmdCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds)
		return next(ctx, cmds)
	}
}

// perRequest divides the counts between two snapshots by n requests.
func perRequest(before, after counts, n int) (cmds, trips float64, byName map[string]float64) {
	if n == 0 {
		return 0, 0, nil
	}
	byName = map[string]float64{}
	for k, v := range after.byName {
		if d := v - before.byName[k]; d > 0 {
			byName[k] = float64(d) / float64(n)
		}
	}
	return float64(after.cmds-before.cmds) / float64(n), float64(after.trips-before.trips) / float64(n), byName
}

// checkLoopback refuses any URL whose host is not a loopback address: the
// harness only ever loads this machine.
func checkLoopback(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, raw, err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s %q: only loopback hosts (127.0.0.1, ::1, localhost) may be targeted", what, raw)
}
