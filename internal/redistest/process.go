package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process started by a test, on a free loopback
// port with its own directory, so the test may kill and restart it.
type Server struct {
	Port  int
	Dir   string
	extra []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// needRedisServer fails t when redis-server is missing under CI and skips
// it otherwise.
func needRedisServer(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("redistest: %s not installed under CI (apt-get install redis-server)", bin)
			}
			t.Skipf("redistest: %s not installed", bin)
		}
	}
}

// StartServer starts a redis-server without persistence (unless extra
// asks for it) and waits until it answers. It is killed at cleanup.
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	needRedisServer(t)
	s := &Server{Port: freePort(t), Dir: t.TempDir(), extra: extra}
	s.Start(t)
	t.Cleanup(s.stop)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Start (re)starts the process on the same port and directory and waits
// until it answers PING.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no"}, s.extra...)
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	waitPing(t, s.Addr())
}

// Kill stops the process with SIGKILL, as a crash would.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

func waitPing(t testing.TB, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: redis-server on %s did not answer: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback port that is free and whose cluster bus
// port (port+10000) is free too.
func freePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		if err != nil {
			continue
		}
		_ = bus.Close()
		return port
	}
	t.Fatal("redistest: no free port pair")
	return 0
}

// ClusterDB is one test's namespace on a real three-master Redis Cluster.
type ClusterDB struct {
	Client    *redis.ClusterClient
	Namespace string
	Nodes     []*Server
}

// Addrs are the masters' host:port.
func (c *ClusterDB) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// Cluster starts three redis-server processes with cluster mode on free
// loopback ports, joins them with redis-cli --cluster create (no
// replicas), waits for cluster_state:ok and returns a client and a fresh
// namespace. The processes are killed at cleanup. Without redis-server the
// test fails under CI and is skipped otherwise.
func Cluster(t testing.TB) *ClusterDB {
	t.Helper()
	needRedisServer(t)
	db := &ClusterDB{Namespace: namespace()}
	args := []string{"--cluster", "create"}
	for range 3 {
		n := StartServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")
		db.Nodes = append(db.Nodes, n)
		args = append(args, n.Addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range db.Nodes {
		waitClusterOK(t, n.Addr())
	}
	db.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: db.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = db.Client.Close() })
	return db
}

func waitClusterOK(t testing.TB, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err := c.ClusterInfo(context.Background()).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: cluster node %s not ok: %v %s", addr, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Keys returns every key of the test's namespace on every master.
func (c *ClusterDB) Keys(t testing.TB) []string {
	t.Helper()
	var mu sync.Mutex
	var out []string
	err := c.Client.ForEachMaster(context.Background(), func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, c.Namespace+":*", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			out = append(out, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	})
	if err != nil {
		t.Fatalf("redistest: scan cluster: %v", err)
	}
	return out
}

// String names the cluster for messages.
func (c *ClusterDB) String() string { return fmt.Sprintf("cluster %v", c.Addrs()) }

// Sentinel starts one redis-sentinel process monitoring master under the
// name "candor" (quorum 1) and returns its host:port. It is killed at
// cleanup.
func Sentinel(t testing.TB, master *Server) string {
	t.Helper()
	needRedisServer(t)
	port, dir := freePort(t), t.TempDir()
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor candor 127.0.0.1 %d 1\nsentinel down-after-milliseconds candor 1000\n", port, dir, master.Port)
	path := dir + "/sentinel.conf"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", path, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if a, err := sc.GetMasterAddrByName(context.Background(), "candor").Result(); err == nil && len(a) == 2 {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: sentinel on %s does not know the master", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
