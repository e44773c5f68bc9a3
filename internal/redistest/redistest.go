// Package redistest gives tests a Redis of their own: the real one named by
// REDIS_URL when it is set, else an in-process miniredis. Each test gets a
// fresh namespace and every key under it is deleted when the test ends, so
// tests can run in parallel against one shared server. It never flushes.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DB is one test's Redis: a client and the namespace the test must use.
type DB struct {
	Client    *redis.Client
	Namespace string
	// Mini is the in-process server, or nil when the test runs on real Redis.
	Mini *miniredis.Miniredis
}

// Addr is the server's host:port.
func (db *DB) Addr() string {
	if db.Mini != nil {
		return db.Mini.Addr()
	}
	return db.Client.Options().Addr
}

// Real reports whether the test runs against a real Redis server.
func (db *DB) Real() bool { return db.Mini == nil }

// New returns a Redis for t: REDIS_URL when set, else miniredis. When
// REDIS_URL is set but unreachable the test fails if CI is set, and is
// skipped otherwise.
func New(t testing.TB) *DB {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		return NewReal(t, url)
	}
	return NewMini(t)
}

// NewMini returns a DB backed by a fresh in-process miniredis.
func NewMini(t testing.TB) *DB {
	t.Helper()
	m := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	return &DB{Client: c, Namespace: namespace(), Mini: m}
}

// NewReal returns a DB on the Redis at url with a fresh namespace whose keys
// are deleted at cleanup.
func NewReal(t testing.TB, url string) *DB {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: REDIS_URL %q: %v", url, err)
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("redistest: REDIS_URL %s unreachable under CI: %v", url, err)
		}
		t.Skipf("redistest: REDIS_URL %s unreachable: %v", url, err)
	}
	db := &DB{Client: c, Namespace: namespace()}
	t.Cleanup(func() {
		db.cleanup(t)
		_ = c.Close()
	})
	return db
}

// Each runs f against miniredis and, when REDIS_URL is set, against the real
// Redis too, as subtests named "miniredis" and "redis". Store contract suites
// use it so both back ends are held to the same behaviour.
func Each(t *testing.T, f func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) { f(t, NewMini(t)) })
	if url := os.Getenv("REDIS_URL"); url != "" {
		t.Run("redis", func(t *testing.T) { f(t, NewReal(t, url)) })
	}
}

// Keys returns every key in the test's namespace, for assertions such as
// "erasure leaves no key behind".
func (db *DB) Keys(t testing.TB) []string {
	t.Helper()
	var out []string
	iter := db.Client.Scan(context.Background(), 0, db.Namespace+":*", 1000).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("redistest: scan: %v", err)
	}
	return out
}

func (db *DB) cleanup(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := db.Client.Scan(ctx, 0, db.Namespace+":*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			db.Client.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		db.Client.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		t.Logf("redistest: cleanup of %s: %v", db.Namespace, err)
	}
}

func namespace() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test" + hex.EncodeToString(b)
}
