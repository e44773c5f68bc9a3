package main

import (
	"bufio"
	"context"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// clusterKeys are the API keys a cluster test seeds, by role.
type clusterKeys struct{ site, marketer, admin string }

// seedCluster writes a small catalog and one key per role into the
// cluster, through the same store the server uses.
func seedCluster(t *testing.T, c *redistest.ClusterDB) clusterKeys {
	t.Helper()
	ctx := context.Background()
	st := redisstore.New(c.Client, c.Namespace)
	var items []catalog.Item
	for _, id := range []string{"a1", "a2", "a3", "a4", "b1", "b2", "b3"} {
		items = append(items, catalog.Item{ID: id, Title: id, Category: []string{id[:1]}, Available: true})
	}
	if err := st.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	var ks clusterKeys
	for role, dst := range map[auth.Role]*string{auth.RoleSite: &ks.site, auth.RoleMarketer: &ks.marketer, auth.RoleAdmin: &ks.admin} {
		plain, k := auth.NewKey(role, string(role), time.Now())
		if err := st.PutKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		*dst = plain
	}
	return ks
}

// TestClusterWholeServer runs two Candor processes on a real three-master
// Redis Cluster: consent, ingestion through the gate, the gated read,
// recommendations, a ruleset published through one and served by the
// other, consent changed through one obeyed by the other, and erasure.
// MONITOR on every node shows that the gated read never touches a feature
// set the customer did not grant.
func TestClusterWholeServer(t *testing.T) {
	c := redistest.Cluster(t)
	ks := seedCluster(t, c)
	// --redis-url "": CI sets REDIS_URL, and only one Redis may be configured
	args := []string{"--redis-url", "", "--redis-cluster-addrs", strings.Join(c.Addrs(), ","), "--namespace", c.Namespace}
	one, two := startServer(t, args...), startServer(t, args...)
	waitSubscribed(t, c, 2) // both have loaded the catalog, rules and keys

	mustSend(t, 200, "PUT", one.url+"/v1/customers/x/consent", ks.site, `{"scopes":{"browsing":"granted","purchases":"denied"}}`)
	_, body := mustSend(t, 200, "POST", one.url+"/v1/events", ks.site,
		`[{"customer_id":"x","type":"view","item_id":"a1"},{"customer_id":"x","type":"purchase","item_id":"b1"}]`)
	if !strings.Contains(body, `"stored"`) || !strings.Contains(body, `"dropped"`) {
		t.Errorf("events: want the view stored and the purchase dropped: %s", body)
	}
	var rec string
	lines := monitorCluster(t, c, func() {
		_, rec = mustSend(t, 200, "GET", two.url+"/v1/recommendations?customer_id=x&n=3", ks.site, "")
	})
	if !strings.Contains(rec, `"used_sets":["browsing"]`) {
		t.Errorf("gated read on the cluster: want browsing used: %.400s", rec)
	}
	for _, l := range lines { // the catalog and model are read when they change, never per request
		if strings.Contains(l, c.Namespace+":catalog") || strings.Contains(l, c.Namespace+":{shared}:model") {
			t.Errorf("a recommendation read a shared key: %s", l)
		}
	}
	assertCommands(t, lines, "{c:x}:consent", true)
	assertCommands(t, lines, "{c:x}:fs:browsing", true)
	for _, set := range []string{"purchases", "declared", "location", "demographics", "sensitive"} {
		assertCommands(t, lines, "{c:x}:fs:"+set+`"`, false)
	}

	publishRuleset(t, one.url, ks.marketer)
	start := time.Now()
	eventually.True(t, "the other process to serve ruleset version 1", func() bool {
		_, body := send(t, "GET", two.url+"/v1/recommendations?customer_id=x", ks.site, "")
		return strings.Contains(body, `"ruleset_version":1`)
	})
	t.Logf("cluster: the other process served ruleset version 1 after %v", time.Since(start))

	trainOn(t, args)
	start = time.Now()
	for _, r := range []*running{one, two} {
		eventually.True(t, "the process at "+r.url+" to serve the trained model", func() bool {
			_, body := send(t, "GET", r.url+"/v1/recommendations?customer_id=x", ks.site, "")
			return strings.Contains(body, `"model_version":"popularity-`)
		})
	}
	t.Logf("cluster: both processes served the model trained by `candor train` after %v", time.Since(start))

	mustSend(t, 200, "PUT", one.url+"/v1/customers/x/consent", ks.site, `{"preset":"none"}`)
	if _, body := send(t, "GET", two.url+"/v1/recommendations?customer_id=x", ks.site, ""); !strings.Contains(body, `"level":"none"`) {
		t.Errorf("withdrawal through one process not obeyed by the other: %.300s", body)
	}
	// Decisions are written off the request path (every 20 ms): the one
	// just made is still queued in two's writer, which the erasure tells to
	// drop it; one of one's that was in flight is removed by the sweep
	// decisionSweeps[0] later. Either way no key of x may remain.
	mustSend(t, 200, "DELETE", two.url+"/v1/customers/x", ks.admin, "")
	time.Sleep(decisionSweeps[0] + 500*time.Millisecond) // past the sweep: nothing may come back later
	for _, k := range c.Keys(t) {
		if strings.Contains(k, "{c:x}") {
			t.Errorf("key %s left after erasure on the cluster", k)
		}
	}
}

// waitSubscribed waits until n servers listen on the namespace's events
// channel, which each does once its start-up loads are done.
func waitSubscribed(t *testing.T, c *redistest.ClusterDB, n int64) {
	t.Helper()
	eventually.True(t, fmt.Sprintf("%d servers to subscribe to the events channel", n), func() bool {
		var got int64
		for _, node := range c.Nodes {
			rdb := redis.NewClient(&redis.Options{Addr: node.Addr()})
			got += rdb.PubSubNumSub(context.Background(), c.Namespace+":events").Val()[c.Namespace+":events"]
			_ = rdb.Close()
		}
		return got >= n
	})
}

// trainOn runs `candor train` (a separate command, as an operator would)
// against the Redis args name; the model goes live on every server.
func trainOn(t *testing.T, args []string) {
	t.Helper()
	cmd := append(append([]string{"candor", "--log-level", "error"}, args...), "train", "--model", "popularity")
	if err := run(context.Background(), cmd, io.Discard, io.Discard); err != nil {
		t.Fatalf("candor train: %v", err)
	}
}

func publishRuleset(t *testing.T, url, marketer string) {
	t.Helper()
	mustSend(t, 200, "PUT", url+"/v1/rulesets/default/draft", marketer, `{"rules":[{"id":"b","when":"item.category == \"b\"","action":{"type":"boost","add":5}}]}`)
	mustSend(t, 200, "POST", url+"/v1/rulesets/default/publish", marketer, "")
}

func mustSend(t *testing.T, want int, method, url, key, body string) (int, string) {
	t.Helper()
	code, got := send(t, method, url, key, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, code, got, want)
	}
	return code, got
}

// assertCommands checks whether any command Redis ran (other than the
// EVALSHA that names its keys) mentions key.
func assertCommands(t *testing.T, lines []string, key string, want bool) {
	t.Helper()
	got := false
	for _, l := range lines {
		if strings.Contains(l, key) && !strings.Contains(strings.ToLower(l), `"evalsha"`) {
			got = true
		}
	}
	if got != want {
		t.Errorf("a command touching %s: %v, want %v; commands:\n%s", key, got, want, strings.Join(lines, "\n"))
	}
}

// monitorCluster runs f while MONITOR is open on every node of the
// cluster and returns the commands that mention the test's namespace.
func monitorCluster(t *testing.T, c *redistest.ClusterDB, f func()) []string {
	t.Helper()
	mark := c.Namespace + ":monitor-end"
	var mu sync.Mutex
	var out []string
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		conn, err := net.Dial("tcp", n.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
			t.Fatal(err)
		}
		if l, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "+OK") {
			t.Fatalf("MONITOR on %s: %q %v", n.Addr(), l, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			for {
				l, err := r.ReadString('\n')
				if err != nil || strings.Contains(l, mark) {
					return
				}
				if strings.Contains(l, c.Namespace) {
					mu.Lock()
					out = append(out, strings.TrimSpace(l))
					mu.Unlock()
				}
			}
		}()
	}
	f()
	for _, n := range c.Nodes {
		node := redis.NewClient(&redis.Options{Addr: n.Addr()})
		node.Echo(context.Background(), mark) // ECHO has no key: every node answers it
		_ = node.Close()
	}
	wg.Wait()
	return out
}

// TestSentinelWholeServer runs Candor through a Sentinel that monitors a
// real redis-server: the master is found by name, and consent and events
// work.
func TestSentinelWholeServer(t *testing.T) {
	master := redistest.StartServer(t)
	sentinel := redistest.Sentinel(t, master)
	rdb := redis.NewClient(&redis.Options{Addr: master.Addr()})
	defer rdb.Close()
	site, k := auth.NewKey(auth.RoleSite, "site", time.Now())
	if err := redisstore.New(rdb, "sentinel").PutKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	r := startServer(t, "--redis-url", "", "--redis-sentinel-master", "candor", "--redis-sentinel-addrs", sentinel, "--namespace", "sentinel")
	eventually.True(t, "the server behind Sentinel to know the site key", func() bool { code, _ := get(t, r.url+"/v1/whoami", site); return code == 200 })
	mustSend(t, 200, "PUT", r.url+"/v1/customers/s/consent", site, `{"preset":"full"}`)
	mustSend(t, 200, "POST", r.url+"/v1/events", site, `[{"customer_id":"s","type":"view","item_id":"nope"}]`)
	if n := rdb.Exists(context.Background(), "sentinel:{c:s}:consent").Val(); n != 1 {
		t.Errorf("consent written through Sentinel is not on the master")
	}
}
