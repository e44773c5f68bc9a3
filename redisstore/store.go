// Package redisstore is the only package that talks to Redis. It implements
// the store interfaces the domain packages declare (consent ledger, feature
// store, keys, models, rules) with go-redis and Lua scripts embedded from
// .lua files. Every key name is built in keys.go.
package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
)

// Redact hides the password of a redis:// URL, for messages.
func Redact(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	return u[:scheme+3] + "***" + u[at:]
}

// Store implements Candor's storage interfaces on one Redis.
type Store struct {
	rdb          redis.UniversalClient
	keys         keys
	now          func() time.Time
	secrets      sync.Map      // key → a secret made once per namespace (see secret)
	writeTimeout time.Duration // how long a write waits for Redis (see deadline.go)
	skew         atomic.Int64  // how far Redis's clock is ahead of ours, ms
	countsFailed atomic.Int64  // moves of the counts of customers lost (see moveLevel)
}

// New returns a Store over rdb with every key under namespace ns.
func New(rdb redis.UniversalClient, ns string) *Store {
	return &Store{rdb: rdb, keys: keys{ns: ns}, now: time.Now, writeTimeout: DefaultWriteTimeout}
}

// SetClock replaces the store's clock, for tests.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Namespace returns the key prefix of the store.
func (s *Store) Namespace() string { return s.keys.ns }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return translate("redisstore.Ping", s.rdb.Ping(ctx).Err())
}

// translate turns go-redis errors into Candor errors at the edge: redis.Nil
// becomes not_found, timeouts and connection failures become unavailable.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *candor.Error
	switch {
	case errors.As(err, &ce):
		return &candor.Error{Op: op, Err: err}
	case errors.Is(err, redis.Nil):
		return &candor.Error{Code: candor.ENotFound, Message: "Not found.", Op: op, Err: err}
	case isUnavailable(err):
		return &candor.Error{Code: candor.EUnavailable, Message: "The data store is unavailable; try again shortly.", Op: op, Err: err}
	}
	return &candor.Error{Code: candor.EInternal, Op: op, Err: err}
}

func isUnavailable(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || hasPrefix(err.Error(), "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "NOREPLICAS", "OOM") ||
		errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused") ||
		strings.HasPrefix(err.Error(), "LOADING") || strings.Contains(err.Error(), "pool timeout")
}

// hasPrefix reports whether s starts with one of the prefixes: the Redis
// errors of a cluster or failover in progress, a replica that was the
// primary, a primary that may not write without its replicas, or a full
// Redis under maxmemory-policy noeviction. All mean "nothing was written;
// try again shortly".
func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
