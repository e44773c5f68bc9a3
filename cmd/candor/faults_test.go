package main

import (
	"context"
	"github.com/candorhq/candor/internal/eventually"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// faultSetup is a real redis-server the test may kill, seeded with a small
// catalog, a site and an admin key, and a customer "x" with full consent
// and some history.
type faultSetup struct {
	redis       *redistest.Server
	site, admin string
	ns          string
}

// newFaultSetup starts redis-server with AOF (appendfsync always) in the
// test's directory, so what was written before a kill is there after the
// restart, as in production.
func newFaultSetup(t *testing.T) *faultSetup {
	t.Helper()
	srv := redistest.StartServer(t, "--appendonly", "yes", "--appendfsync", "always")
	f := &faultSetup{redis: srv, ns: "faults"}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	st := redisstore.New(rdb, f.ns)
	ctx := context.Background()
	var items []catalog.Item
	for _, id := range []string{"a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"} {
		items = append(items, catalog.Item{ID: id, Title: id, Category: []string{id[:1]}, Available: true})
	}
	if err := st.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	site, k1 := auth.NewKey(auth.RoleSite, "site", time.Now())
	admin, k2 := auth.NewKey(auth.RoleAdmin, "admin", time.Now())
	if err := errorsOf(st.PutKey(ctx, k1), st.PutKey(ctx, k2)); err != nil {
		t.Fatal(err)
	}
	f.site, f.admin = site, admin
	return f
}

func errorsOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// start runs Candor on url (the Redis or a proxy in front of it), gives
// customers full consent and some history, and trains a model on it with
// `candor train`, which every server loads through pub/sub.
func (f *faultSetup) start(t *testing.T, url string, extra ...string) *running {
	t.Helper()
	r := startServer(t, append([]string{"--redis-url", url, "--namespace", f.ns, "--redis-timeout", "300ms"}, extra...)...)
	var evs []string
	for _, c := range []string{"x", "c2", "c3", "c4", "c5", "c6"} { // 5 users per item: the model's k-anonymity
		mustSend(t, 200, "PUT", r.url+"/v1/customers/"+c+"/consent", f.site, `{"preset":"full"}`)
		for _, it := range []string{"a1", "a2", "b1"} {
			evs = append(evs, `{"customer_id":"`+c+`","type":"view","item_id":"`+it+`"}`)
		}
	}
	mustSend(t, 200, "POST", r.url+"/v1/events", f.site, "["+strings.Join(evs, ",")+"]")
	err := run(context.Background(), []string{"candor", "--redis-url", f.redis.URL(), "--namespace", f.ns, "--log-level", "error", "train", "--model", "popularity"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("candor train: %v", err)
	}
	eventually.True(t, "the server to serve the trained model", func() bool {
		_, body := send(t, "GET", r.url+"/v1/recommendations?n=3", f.site, "")
		return personalised(t, r.url, f.site) && len(itemsOf(body)) > 0
	})
	return r
}

// personalised reports whether a recommendation for x used x's data.
func personalised(t *testing.T, url, key string) bool {
	code, body := send(t, "GET", url+"/v1/recommendations?customer_id=x&n=3", key, "")
	return code == 200 && strings.Contains(body, `"fallback":{"active":false}`) && strings.Contains(body, `"used_sets":["browsing"`)
}

// load sends recommendation requests from a few goroutines until stop is
// closed and counts answers that were not 200.
func load(t *testing.T, url, key string, stop <-chan struct{}) (wait func() (total, bad int64)) {
	var n, badN atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for range 2 { // the machine under test has few cores; two loops keep it busy
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", url+"/v1/recommendations?customer_id=x&n=3", nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := client.Do(req)
				n.Add(1)
				if err != nil {
					badN.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					badN.Add(1)
				}
			}
		}()
	}
	return func() (int64, int64) { wg.Wait(); return n.Load(), badN.Load() }
}

// TestRedisKilledDuringLoad kills Redis (SIGKILL) under a load of
// recommendation requests: they keep answering 200 with the labelled
// fallback, /readyz answers 200 degraded (the replica stays in the load
// balancer), writes fail with 503 and Retry-After (and are not applied),
// and after Redis returns personalised answers are back within 5 s, with
// no goroutine or heap growth.
func TestRedisKilledDuringLoad(t *testing.T) {
	f := newFaultSetup(t)
	// A 200 ms read budget (the default is 25 ms): under -race on a loaded
	// machine a starved CPU alone could miss 25 ms and keep the breaker
	// open; this test is about Redis coming back, not about CPU.
	r := f.start(t, f.redis.URL(), "--read-budget", "200ms")
	warm := make(chan struct{}) // the same load with Redis up, so the baseline has warm pools and caches
	wait := load(t, r.url, f.site, warm)
	time.Sleep(time.Second)
	close(warm)
	wait()
	goroutines, heap := settle()
	stop := make(chan struct{})
	wait = load(t, r.url, f.site, stop)
	time.Sleep(300 * time.Millisecond)

	f.redis.Kill(t)
	time.Sleep(300 * time.Millisecond)
	_, body := mustSend(t, 200, "GET", r.url+"/v1/recommendations?customer_id=x&n=3", f.site, "")
	if !strings.Contains(body, `"fallback":{"active":true,"reason":"`) || len(itemsOf(body)) == 0 {
		t.Errorf("recommendation during the outage: want items with a fallback label: %.400s", body)
	}
	assertRefused(t, "PUT", r.url+"/v1/customers/x/consent", f.site, `{"preset":"none"}`)
	assertRefused(t, "DELETE", r.url+"/v1/customers/x", f.admin, "")
	assertRefused(t, "POST", r.url+"/v1/events", f.site, `[{"customer_id":"x","type":"view","item_id":"a2"}]`)
	// every replica shares this Redis: they stay in the load balancer
	if code, body := get(t, r.url+"/readyz", ""); code != 200 || !strings.Contains(body, `"status":"degraded"`) {
		t.Errorf("readyz during the outage = %d %s; want 200 degraded", code, body)
	}

	f.redis.Start(t)
	back := eventually.True(t, "personalised answers again after Redis returned", func() bool { return personalised(t, r.url, f.site) })
	t.Logf("recovery after Redis restart (SIGKILL, AOF): personalised again %v after Redis answered", back)
	close(stop)
	total, bad := wait()
	if bad != 0 {
		t.Errorf("%d of %d recommendation requests under load did not answer 200", bad, total)
	}
	t.Logf("%d recommendation requests during the fault, all 200", total)
	_, body = mustSend(t, 200, "GET", r.url+"/v1/customers/x/consent", f.site, "")
	if strings.Contains(body, `"level":"none"`) || !strings.Contains(body, `"browsing"`) {
		t.Errorf("the refused withdrawal was applied after all: %.300s", body)
	}
	assertNoGrowth(t, goroutines, heap)
}

func itemsOf(body string) []string { return strings.Split(body, `"item_id"`)[1:] }

// assertRefused checks that a write during the outage answers 503 with
// Retry-After.
func assertRefused(t *testing.T, method, url, key, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("%s %s during the outage: %d (Retry-After %q) %s, want 503 with Retry-After", method, url, resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
}

// settle lets background work finish and returns the goroutine count and
// the live heap.
func settle() (int, uint64) {
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapAlloc
}

func assertNoGrowth(t *testing.T, goroutines int, heap uint64) {
	t.Helper()
	// Right after an outage the decision writer's queue (up to 10,000
	// responses) is still draining; once it has, the live heap must be
	// back near the warm baseline.
	const heapSlack = 4 << 20
	var g int
	var h uint64
	for range 50 { // idle connections, timers and the decision queue wind down
		if g, h = settle(); g <= goroutines+10 && h <= heap+heapSlack {
			break
		}
	}
	t.Logf("after recovery: goroutines %d → %d, live heap %d KiB → %d KiB", goroutines, g, heap>>10, h>>10)
	if g > goroutines+10 {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines grew from %d to %d:\n%s", goroutines, g, buf[:runtime.Stack(buf, true)])
	}
	if h > heap+heapSlack {
		t.Errorf("live heap grew from %d to %d bytes", heap, h)
	}
}

// TestSlowRedisTripsTheBreaker puts a proxy that delays every reply by
// 200 ms between Candor and Redis, twice the read budget: recommendations
// answer 200 with the fallback, reason timeout (the store is slow, not
// down), and after a few slow reads the breaker opens (reason
// circuit_open) so requests stop waiting on Redis at all. With the delay
// gone, personalised answers return.
func TestSlowRedisTripsTheBreaker(t *testing.T) {
	f := newFaultSetup(t)
	p := startDelayProxy(t, f.redis.Addr())
	r := f.start(t, "redis://"+p.addr, "--read-budget", "100ms")
	p.delay.Store(int64(200 * time.Millisecond))
	opened := false
	for range 20 {
		_, body := mustSend(t, 200, "GET", r.url+"/v1/recommendations?customer_id=x&n=3", f.site, "")
		if !strings.Contains(body, `"fallback":{"active":true`) {
			t.Fatalf("slow Redis: want the fallback: %.300s", body)
		}
		if strings.Contains(body, `"reason":"circuit_open"`) {
			opened = true
			break
		}
		if !strings.Contains(body, `"reason":"timeout"`) {
			t.Fatalf("a read past its budget: want the fallback's reason timeout: %s", body[strings.Index(body, `"fallback"`):])
		}
	}
	if !opened {
		t.Fatal("the breaker never opened with Redis answering in 200 ms")
	}
	p.delay.Store(0)
	back := eventually.True(t, "personalised answers again after Redis was fast again", func() bool { return personalised(t, r.url, f.site) })
	t.Logf("slow Redis: personalised again %v after the delay was removed (breaker half-opens after 2 s)", back)
}

// delayProxy forwards TCP to a Redis and delays every chunk Redis sends
// back by delay.
type delayProxy struct {
	addr  string
	delay atomic.Int64 // nanoseconds
}

func startDelayProxy(t *testing.T, target string) *delayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &delayProxy{addr: ln.Addr().String()}
	// The accept loop holds a count of its own, so a connection it counts
	// while the test ends is added to a count above zero (an Add from zero
	// racing Wait is a race).
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); p.serve(c, target) }()
		}
	}()
	return p
}

func (p *delayProxy) serve(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			time.Sleep(time.Duration(p.delay.Load()))
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
