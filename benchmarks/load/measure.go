package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/redisstore"
)

// bench is one run's server, customers and the Redis it counts on.
type bench struct {
	o     *options
	rdb   redis.UniversalClient
	world *world // nil with --target
	base  string
	key   string
	order []string // customer ids in the order requests use them
	long  []string // the --long-history customers', likewise
	// gen is the load generator process (--generator-process; nil when
	// the load is sent from this process), genErr its first failure.
	gen    *generator
	genErr error
	// labelled: label the profile's samples by phase (--cpuprofile).
	labelled bool
}

// measure seeds (unless targeting), serves, and runs every phase.
func measure(ctx context.Context, o *options, progress io.Writer) (_ *Report, err error) {
	rdb, err := redisstore.Client(redisstore.Options{URL: o.redisURL})
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("REDIS_URL %s: %w", redisstore.Redact(o.redisURL), err)
	}
	rep := &Report{Started: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Target: "in-process",
		Namespace: o.namespace, Scale: o.scale}
	rep.Machine.Redis = redisVersion(ctx, rdb)
	b := &bench{o: o, rdb: rdb, labelled: o.cpuprofile != ""}
	if o.target != "" {
		rep.Target = o.target
		b.base, b.key = strings.TrimRight(o.target, "/"), o.apiKey
	} else {
		defer func() {
			if o.keep {
				fmt.Fprintf(progress, "kept namespace %s; site key %s\n", o.namespace, b.key)
				return
			}
			cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			n, derr := dropNamespace(cctx, rdb, o.namespace)
			fmt.Fprintf(progress, "deleted %d keys of namespace %s\n", n, o.namespace)
			if err == nil && derr != nil {
				err = fmt.Errorf("delete namespace %s: %w", o.namespace, derr)
			}
		}()
		srv, st, err := b.startInProcess(ctx, progress)
		rep.Seed = st
		if err != nil {
			return nil, err
		}
		defer srv.Close()
	}
	b.orderCustomers()
	if o.generatorProcess {
		if b.gen, err = startGenerator(ctx); err != nil {
			return nil, err
		}
		defer func() {
			if cerr := b.gen.close(); err == nil && cerr != nil {
				err = fmt.Errorf("load generator: %w", cerr)
			}
		}()
	}

	stopProfile, err := startProfile(o.cpuprofile)
	if err != nil {
		return nil, err
	}
	if o.warmup > 0 {
		fmt.Fprintf(progress, "warming up: %d requests/s for %s\n", o.rates[0], o.warmup)
		warm := b.recommendations(o.rates[0], o.warmup)
		warm.name = "warmup" // its profiler label (--cpuprofile)
		b.attack(ctx, warm, window{})
	}
	for _, rate := range o.rates {
		rep.Runs = append(rep.Runs, b.atRate(ctx, rate, progress))
	}
	if o.capacity {
		rep.Capacity = b.capacity(ctx, "recommendations", b.recommendations, progress)
		if !o.noRefs {
			rep.ReadyzCapacity = b.capacity(ctx, "readyz", b.readyz, progress)
		}
	}
	if err := stopProfile(); err != nil {
		return nil, err
	}
	if b.world != nil {
		b.world.flushed(ctx)
	}
	if rep.Footprint, err = footprint(ctx, rdb, o.namespace, o.scale.total()); err != nil {
		return nil, fmt.Errorf("memory of namespace %s: %w", o.namespace, err)
	}
	if rep.Footprint != nil && b.world != nil {
		rep.Footprint.setWriter(b.world.writer.Stats())
	}
	rep.LoadAfter = loadAverage()
	if err := ctx.Err(); err != nil { // a generator killed with the run failed because of it
		return rep, err
	}
	return rep, b.genErr
}

// orderCustomers shuffles the customers into the order requests ask for
// them: the --history ones (the first --active of them, when set) and the
// --long-history ones apart.
func (b *bench) orderCustomers() {
	sc := b.o.scale
	rng := rand.New(rand.NewPCG(sc.Seed, 0x0de7))
	for i, c := range genCustomers(sc) {
		if i < sc.Customers {
			b.order = append(b.order, c.id)
		} else {
			b.long = append(b.long, c.id)
		}
	}
	rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
	rng.Shuffle(len(b.long), func(i, j int) { b.long[i], b.long[j] = b.long[j], b.long[i] })
	if a := sc.Active; a > 0 {
		b.order = b.order[:a]
	}
}

// startInProcess seeds the namespace, trains the model and starts the
// server.
func (b *bench) startInProcess(ctx context.Context, progress io.Writer) (*server, *seedStats, error) {
	b.world = newWorld(b.rdb, b.o.namespace)
	b.world.budget = b.o.readBudget
	b.world.labelled = b.labelled
	fmt.Fprintf(progress, "seeding namespace %s: %d items, %d customers, history %d%s\n", b.o.namespace, b.o.scale.Items, b.o.scale.Customers, b.o.scale.History, b.o.scale.long())
	st, err := b.seed(ctx, progress)
	if err != nil {
		return nil, st, err
	}
	fmt.Fprintf(progress, "seeded %d events in %.1f s; training itemknn from the store (with validation)\n", st.Events, st.Seconds)
	t := time.Now()
	if err := b.world.train(ctx, b.o.scale); err != nil {
		return nil, st, err
	}
	st.TrainSecs = time.Since(t).Seconds()
	sc := b.world.currentModel().Scoring()
	fmt.Fprintf(progress, "trained in %.1f s; scoring: %s; max_evidence %d\n", st.TrainSecs, sc.Note, sc.MaxEvidence)
	srv, err := b.world.serve(ctx)
	if err != nil {
		return nil, st, err
	}
	b.base, b.key = srv.url, srv.siteKey
	return srv, st, nil
}

// seedReadTimeout is how long the seeding client waits for a reply.
// Seeding queues far more work in Redis than a request does (at history
// 500 a customer's ingest takes 10-15 ms there, and eight pipelines of ten
// customers run at once), more than the server's 500 ms read timeout
// allows on a slow day; the server under test keeps its own client and
// timeouts.
const seedReadTimeout = time.Minute

// seed writes the data set through a client and store of its own
// (seedReadTimeout: an ingest waits as long), then loads the catalog it wrote into the served world.
func (b *bench) seed(ctx context.Context, progress io.Writer) (*seedStats, error) {
	rdb, err := redisstore.Client(redisstore.Options{URL: b.o.redisURL, ReadTimeout: seedReadTimeout, WriteTimeout: seedReadTimeout})
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	w := newWorld(rdb, b.o.namespace)
	w.store.SetWriteTimeout(seedReadTimeout) // an ingest's own deadline, else New's 5 s
	st, _, _, err := w.seed(ctx, b.o.scale, progress)
	if err != nil {
		return st, err
	}
	return st, b.world.catalog.Reload(ctx)
}

func (b *bench) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + b.key}}
}

func (b *bench) customerAt(seq uint64) string { return b.order[seq%uint64(len(b.order))] }

func (b *bench) recommendations(rate int, d time.Duration) phase {
	return phase{name: "recommendations", base: b.base, header: b.header(), rate: rate, duration: d, degraded: recommendationFallback,
		path: func(seq uint64) string { return "/v1/recommendations?n=10&customer_id=" + b.customerAt(seq) }}
}

// longRecommendations is recommendations for the --long-history customers.
func (b *bench) longRecommendations(rate int, d time.Duration) phase {
	p := b.recommendations(rate, d)
	p.name = fmt.Sprintf("recommendations-h%d", b.o.scale.LongHistory)
	p.path = func(seq uint64) string {
		return "/v1/recommendations?n=10&customer_id=" + b.long[seq%uint64(len(b.long))]
	}
	return p
}

func (b *bench) readyz(rate int, d time.Duration) phase {
	return phase{name: "readyz", base: b.base, header: b.header(), rate: rate, duration: d,
		path: func(uint64) string { return "/readyz" }}
}

// capacity searches the highest rate of one phase that keeps p99 within
// the limit.
func (b *bench) capacity(ctx context.Context, name string, ph func(int, time.Duration) phase, progress io.Writer) *Capacity {
	o := b.o
	fmt.Fprintf(progress, "capacity search of %s from %d requests/s\n", name, o.capStart)
	return searchCapacity(ctx, o.capStart, o.capInc, o.capMax, o.capRetries, o.capStep, func(ctx context.Context, rate int) *PhaseResult {
		settle(ctx)
		p := ph(rate, o.capStep)
		p.name = "capacity-" + p.name // its profiler label (--cpuprofile), apart from the measured phase's
		r := b.attack(ctx, p, window{})
		fmt.Fprintf(progress, "  %s %d requests/s: p99 %.3f ms, %d errors, %d fallbacks, achieved %.0f/s\n", name, rate, r.Latency.P99, r.Errors, r.Degraded, r.Achieved)
		return r
	})
}

// atRate runs recommendations, then /readyz, then the raw read at rate,
// each for --duration: in one go each, or in --slices turns (every
// phase's first turn, then every phase's second, ...) whose results add
// up to the phase's.
func (b *bench) atRate(ctx context.Context, rate int, progress io.Writer) RateRun {
	run := RateRun{Rate: rate}
	type measuredPhase struct {
		dst **PhaseResult
		ph  phase
	}
	phases := []measuredPhase{{&run.Recommend, b.recommendations(rate, b.o.duration)}}
	if len(b.long) > 0 {
		phases = append(phases, measuredPhase{&run.Long, b.longRecommendations(rate, b.o.duration)})
	}
	if !b.o.noRefs {
		phases = append(phases, measuredPhase{&run.Readyz, b.readyz(rate, b.o.duration)})
		if b.world != nil {
			phases = append(phases, measuredPhase{&run.RawRead, phase{name: "raw-read", base: b.base, header: b.header(), rate: rate, duration: b.o.duration,
				path: func(seq uint64) string { return rawReadPath + "?customer_id=" + b.customerAt(seq) }}})
		}
	}
	n := b.o.slices
	for i := range n {
		for _, p := range phases {
			ph := p.ph.turn(i, b.o.duration/time.Duration(n))
			if n == 1 {
				fmt.Fprintf(progress, "%s: %d requests/s for %s\n", ph.name, rate, ph.duration)
			} else {
				fmt.Fprintf(progress, "%s: %d requests/s for %s (turn %d of %d)\n", ph.name, rate, ph.duration, i+1, n)
			}
			*p.dst = addTurn(*p.dst, b.measured(ctx, ph))
			settle(ctx) // let an overloaded phase drain before the next starts
		}
	}
	run.LoadAverage = loadAverage()
	run.ratios()
	return run
}

// measured runs p and adds the Redis commands and allocations per request.
func (b *bench) measured(ctx context.Context, p phase) *PhaseResult {
	mem0, memOK := usedMemory(ctx, b.rdb)
	calls0, script0, callsErr := serverCalls(ctx, b.rdb)
	var before counts
	if b.world != nil {
		before = b.world.counter.snapshot()
	}
	var (
		m0, m1                     runtime.MemStats
		cpu0, cpu1                 time.Duration
		rcpu0, rsys0, rcpu1, rsys1 time.Duration
	)
	r := b.attack(ctx, p, window{
		open: func() {
			runtime.ReadMemStats(&m0)
			cpu0 = processCPU()
			rcpu0, rsys0 = redisCPU(ctx, b.rdb)
		},
		close: func() {
			cpu1 = processCPU()
			rcpu1, rsys1 = redisCPU(ctx, b.rdb)
			runtime.ReadMemStats(&m1)
		},
	})
	if b.world != nil {
		b.world.flushed(ctx) // the decision records this phase queued are in Redis
		r.CommandsPerReq, r.RoundTripsPerReq, r.ByCommand = perRequest(before, b.world.counter.snapshot(), r.Requests)
	}
	// Read after the client-side snapshot, so the harness's INFO calls are
	// not counted there.
	if calls1, script1, err := serverCalls(ctx, b.rdb); err == nil && callsErr == nil && r.Requests > 0 {
		// Minus the two INFO calls of the harness itself.
		r.ServerCallsPerReq = float64(calls1-calls0-1) / float64(r.Requests)
		r.RedisScriptPerReq = float64(script1-script0) / float64(r.Requests)
	}
	if mem1, ok := usedMemory(ctx, b.rdb); ok && memOK && r.Requests > 0 {
		per := float64(mem1-mem0) / float64(r.Requests)
		r.RedisMemoryPerReq = &per
	}
	if r.Requests > 0 {
		if b.world != nil { // this process is the server (and, without --generator-process, the generator)
			r.AllocsPerReq = float64(m1.Mallocs-m0.Mallocs) / float64(r.Requests)
			r.CPUPerReq = float64((cpu1 - cpu0).Microseconds()) / float64(r.Requests)
		}
		if rcpu0 > 0 && rcpu1 > 0 {
			r.RedisCPUPerReq = float64((rcpu1 - rcpu0).Microseconds()) / float64(r.Requests)
			r.RedisSysPerReq = float64((rsys1 - rsys0).Microseconds()) / float64(r.Requests)
		}
	}
	return r
}

func redisVersion(ctx context.Context, rdb redis.UniversalClient) string {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// processCPU is the CPU time this process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU time the Redis server has used, from INFO cpu (0
// when it does not say): all of it, and the kernel's part (used_cpu_sys:
// mostly the sockets' system calls).
func redisCPU(ctx context.Context, rdb redis.UniversalClient) (total, sys time.Duration) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, 0
	}
	var user, kernel float64
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "used_cpu_sys:"); ok {
			kernel, _ = strconv.ParseFloat(v, 64)
		} else if v, ok := strings.CutPrefix(line, "used_cpu_user:"); ok {
			user, _ = strconv.ParseFloat(v, 64)
		}
	}
	sec := float64(time.Second)
	return time.Duration((user + kernel) * sec), time.Duration(kernel * sec)
}

// settle pauses between phases so that requests still queued by an
// overloaded phase do not load the next one.
func settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}
