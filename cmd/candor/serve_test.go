package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// syncBuffer is an io.Writer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	url  string
	out  *syncBuffer
	stop context.CancelFunc
	done chan error
}

var urlLine = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs the real command line on a free port and waits until
// /readyz answers 200. Its read budget is long (a test may override it):
// these tests check what the server answers, never how fast, and on a busy
// machine under -race a 25 ms budget would turn answers into fallbacks.
func startServer(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{out: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- run(ctx, append([]string{"candor", "--addr", "127.0.0.1:0", "--log-format", "json", "--redis-timeout", "5s", "--read-budget", "30s"}, args...), r.out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	deadline := eventually.Deadline(t)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(r.out.String()); m != nil && r.url == "" {
			r.url = m[1]
		}
		if r.url != "" {
			if resp, err := http.Get(r.url + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return r
				}
			}
		}
		select {
		case err := <-r.done:
			r.done <- err // for the cleanup
			t.Fatalf("server exited: %v\n%s", err, r.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server not ready by %s, shortly before the test's deadline; output:\n%s", deadline.Format(time.TimeOnly), r.out)
	return nil
}

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func demoKeys(t *testing.T, out string) map[auth.Role]string {
	t.Helper()
	keys := map[auth.Role]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	re := regexp.MustCompile(`demo (\w+)\s+key: (cnd_\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			keys[auth.Role(m[1])] = m[2]
		}
	}
	if len(keys) != 3 {
		t.Fatalf("want one demo key per role in the first lines, got %v in:\n%s", keys, out)
	}
	return keys
}

func TestEmbeddedServerPrintsKeysAndEnforcesRoles(t *testing.T) {
	r := startServer(t, "--redis-url", "")
	keys := demoKeys(t, r.out.String())
	if code, _ := get(t, r.url+"/v1/whoami", ""); code != 401 {
		t.Errorf("no key: %d, want 401", code)
	}
	if code, body := get(t, r.url+"/v1/keys", keys[auth.RoleSite]); code != 403 || !strings.Contains(body, `"forbidden"`) {
		t.Errorf("site key on admin route: %d %s", code, body)
	}
	code, body := get(t, r.url+"/v1/keys", keys[auth.RoleAdmin])
	if code != 200 || strings.Count(body, `"id"`) != 3 {
		t.Errorf("admin key: %d %s", code, body)
	}
	if code, body := get(t, r.url+"/v1/nope", keys[auth.RoleAdmin]); code != 404 || !strings.Contains(body, `"request_id"`) {
		t.Errorf("unknown route: %d %s", code, body)
	}
	if code, body := get(t, r.url+"/metrics", ""); code != 200 || !strings.Contains(body, "candor_redis_call_duration_seconds") {
		t.Errorf("metrics lack Redis latency: %d", code)
	}
	// the demo data is there, and the printed customer token works
	if code, body := get(t, r.url+"/v1/catalog/items/p-00000", keys[auth.RoleSite]); code != 200 || !strings.Contains(body, `"EUR"`) {
		t.Errorf("demo catalog: %d %s", code, body)
	}
	m := regexp.MustCompile(`demo customer (\S+) token \(12 h\): (\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("no demo customer token in:\n%s", r.out)
	}
	code, body = get(t, r.url+"/v1/me/consent", m[2])
	if code != 200 || !strings.Contains(body, `"customer_id":"`+m[1]+`"`) || !strings.Contains(body, `"source":"import"`) {
		t.Errorf("demo customer consent: %d %s", code, body)
	}
	code, body = get(t, r.url+"/v1/recommendations?n=5&customer_id="+m[1], keys[auth.RoleSite])
	if code != 200 || !strings.Contains(body, `"level":"full"`) || strings.Count(body, `"controls"`) != 5 {
		t.Errorf("demo recommendations: %d %.300s", code, body)
	}
	if _, body := get(t, r.url+"/readyz", ""); !strings.Contains(body, `"model":"ok"`) {
		t.Errorf("readyz lacks the model check: %s", body)
	}
	// the demo model was measured on a hold-out split before it went live
	if code, body := get(t, r.url+"/v1/models", keys[auth.RoleMarketer]); code != 200 || !regexp.MustCompile(`"ndcg_at_10":0\.[0-9]*[1-9]`).MatchString(body) {
		t.Errorf("models lack a hold-out nDCG: %d %.400s", code, body)
	}
	if !regexp.MustCompile(`demo data: 2,400 items, 1,200 customers \(consent: [\d,]+ full, [\d,]+ basic and [\d,]+ none\), [\d,]+ events \([\d,]+ stored, [1-9][\d,]* dropped`).MatchString(r.out.String()) {
		t.Errorf("demo summary missing or nothing dropped by the gate:\n%s", r.out)
	}
}

func TestServerOnRealRedisPrintsNoKeys(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("REDIS_URL not set")
	}
	st := redisstore.New(db.Client, db.Namespace)
	plain, k := auth.NewKey(auth.RoleSite, "t", time.Now())
	if err := st.PutKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	r := startServer(t, "--redis-url", os.Getenv("REDIS_URL"), "--namespace", db.Namespace)
	if strings.Contains(r.out.String(), "demo site") {
		t.Errorf("real Redis must not get demo keys:\n%s", r.out)
	}
	eventually.True(t, "the server to know the key put in Redis", func() bool { code, _ := get(t, r.url+"/v1/whoami", plain); return code == 200 })
}

func TestUnreachableRedisReportsNotReady(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"candor", "--addr", "127.0.0.1:0", "--redis-url", "redis://127.0.0.1:1"}, out, io.Discard)
	}()
	var url string
	eventually.True(t, "the server to say where it listens", func() bool {
		m := urlLine.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	code, body := get(t, url+"/readyz", "")
	if code != 503 || !strings.Contains(body, "not_ready") {
		t.Errorf("readyz = %d %s, want 503 not_ready", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("server did not stop cleanly: %v", err)
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	r := startServer(t, "--redis-url", "")
	keys := demoKeys(t, r.out.String())
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", r.url+"/v1/keys", pr)
	req.Header.Set("Authorization", "Bearer "+keys[auth.RoleAdmin])
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
		}
		respc <- resp
	}()
	_, _ = pw.Write([]byte(`{"role":"site",`))
	time.Sleep(100 * time.Millisecond) // let the request reach the handler
	r.stop()                           // as SIGTERM does
	time.Sleep(100 * time.Millisecond)
	_, _ = pw.Write([]byte(`"name":"late"}`))
	_ = pw.Close()
	resp := <-respc
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("in-flight request got %d, want 201", resp.StatusCode)
	}
	if err := <-r.done; err != nil {
		t.Errorf("run returned %v after shutdown", err)
	}
	r.done <- nil // for the cleanup
	if _, err := http.Get(r.url + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestBadSettingsStopWithOneClearLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "xml"}, "CANDOR_LOG_FORMAT"},
		{[]string{"--addr", "8080"}, "CANDOR_ADDR"},
		{[]string{"--redis-url", "http://x"}, "REDIS_URL"},
		{[]string{"--redis-url", "redis://x:1", "--redis-cluster-addrs", "a:1,b:2"}, "REDIS_CLUSTER_ADDRS"},
		{[]string{"--redis-url", "", "--redis-sentinel-master", "m"}, "REDIS_SENTINEL_ADDRS"},
		{[]string{"--redis-url", "", "--redis-cluster-addrs", "nohost"}, "not host:port"},
		{[]string{"--namespace", "a b"}, "CANDOR_NAMESPACE"},
		{[]string{"--read-timeout", "-1s"}, "CANDOR_READ_TIMEOUT"},
		{[]string{"--read-timeout", "soon"}, "read-timeout"},
		{[]string{"train", "--from-store", "--data", "x"}, "choose one source"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.args), func(t *testing.T) {
			err := run(context.Background(), append([]string{"candor"}, tt.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line naming %s", err, tt.want)
			}
		})
	}
}

func TestBadEnvValueNamesTheVariable(t *testing.T) {
	t.Setenv("CANDOR_IDLE_TIMEOUT", "forever")
	err := run(context.Background(), []string{"candor", "--redis-url", ""}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CANDOR_IDLE_TIMEOUT") {
		t.Errorf("err = %v, want it to name CANDOR_IDLE_TIMEOUT", err)
	}
}

func TestHelpDocumentsEveryFlagWithEnvAndDefault(t *testing.T) {
	out := &syncBuffer{}
	if err := run(context.Background(), []string{"candor", "--help"}, out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CANDOR_ADDR", "REDIS_URL", "CANDOR_NAMESPACE", "CANDOR_LOG_FORMAT", "CANDOR_READ_TIMEOUT", "REDIS_CLUSTER_ADDRS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_ADDRS", "REDIS_PASSWORD", `":8080"`, "serve", "seed", "keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %s", want)
		}
	}
}

func TestKeysCommands(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("keys commands need REDIS_URL")
	}
	base := []string{"candor", "--redis-url", os.Getenv("REDIS_URL"), "--redis-timeout", "5s", "--namespace", db.Namespace, "keys"}
	out := &syncBuffer{}
	if err := run(context.Background(), append(base, "create", "--role", "marketer", "--name", "mkt"), out, io.Discard); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`id ([0-9a-f]{12})`).FindStringSubmatch(out.String())
	if id == nil || !strings.Contains(out.String(), "cnd_") {
		t.Fatalf("create output: %s", out)
	}
	list := &syncBuffer{}
	_ = run(context.Background(), append(base, "list"), list, io.Discard)
	if !strings.Contains(list.String(), id[1]) || !strings.Contains(list.String(), "marketer") || strings.Contains(list.String(), "cnd_") {
		t.Errorf("list output: %s", list)
	}
	if err := run(context.Background(), append(base, "revoke", id[1]), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), append(base, "revoke", id[1]), io.Discard, io.Discard); err == nil {
		t.Error("revoking twice succeeded")
	}
	if err := run(context.Background(), append(base, "create", "--role", "root", "--name", "x"), io.Discard, io.Discard); err == nil {
		t.Error("bad role accepted")
	}
}

func TestEmbeddedDemoStaysOnThisMachineByDefault(t *testing.T) {
	for in, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:9000": "0.0.0.0:9000", "[::1]:80": "[::1]:80"} {
		if got := demoAddr(in); got != want {
			t.Errorf("demoAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// The retention of decision records is a setting: with --decision-cap 2
// a customer's third decision pushes out the first, and anonymous
// visitors' records have their own cap.
func TestDecisionCapsAreSettings(t *testing.T) {
	r := startServer(t, "--redis-url", "", "--decision-cap", "2", "--decision-cap-anonymous", "1")
	key := demoKeys(t, r.out.String())[auth.RoleSite]
	decide := func(query string) string {
		code, body := get(t, r.url+"/v1/recommendations?n=3&"+query, key)
		var d struct {
			DecisionID string `json:"decision_id"`
		}
		if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
			t.Fatalf("%s: %d %s", query, code, body)
		}
		return d.DecisionID
	}
	found := func(id, who string) int {
		code, _ := get(t, r.url+"/v1/decisions/"+id+"?customer_id="+who, key)
		return code
	}
	var mine []string
	for range 3 {
		mine = append(mine, decide("customer_id=cap1"))
	}
	anon := []string{decide("anonymous_id=a1"), decide("anonymous_id=a2")}
	// written off the request path: wait until the newest are there
	eventually.True(t, "the decisions to be written", func() bool { return found(mine[2], "cap1") == 200 && found(anon[1], "") == 200 })
	for i, want := range []int{404, 200, 200} {
		if got := found(mine[i], "cap1"); got != want {
			t.Errorf("decision %d of 3 with a cap of 2: %d, want %d", i+1, got, want)
		}
	}
	if got := found(anon[0], ""); got != 404 {
		t.Errorf("first of 2 anonymous decisions with a cap of 1: %d, want 404", got)
	}
}
