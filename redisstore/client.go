package redisstore

import (
	"crypto/tls"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
)

// Options configure the Redis client. Exactly one of URL, ClusterAddrs or
// SentinelMaster chooses the deployment; zero values of the rest take the
// documented defaults.
type Options struct {
	URL              string        // redis:// or rediss:// URL of one Redis (or a managed primary endpoint)
	ClusterAddrs     []string      // host:port seeds of a Redis Cluster
	SentinelMaster   string        // master name monitored by Sentinel
	SentinelAddrs    []string      // host:port of the Sentinels; required with SentinelMaster
	Username         string        // ACL user for cluster and Sentinel (the URL carries its own)
	Password         string        // password for cluster and Sentinel; overrides none in the URL
	SentinelPassword string        // password of the Sentinels themselves, if they need one
	TLS              bool          // TLS to cluster nodes and Sentinel-managed Redis (a URL uses rediss://)
	DialTimeout      time.Duration // default 2s
	ReadTimeout      time.Duration // default 500ms
	WriteTimeout     time.Duration // default 500ms
	PoolSize         int           // default 10 per CPU (go-redis default), per node
}

// Client creates the go-redis client opt asks for: a plain client for a
// URL, a cluster client for ClusterAddrs, a failover client for Sentinel.
// It does not connect; use Ping. The client never retries a command
// itself (MaxRetries -1, whatever a URL says): a command whose answer was
// lost may have run, and running a script like ingest.lua twice would
// count an event twice. The store retries only what is idempotent
// (see retry in large.go) and makes its non-idempotent writes safe to
// retry by their callers (see deadline.go).
func Client(opt Options) (redis.UniversalClient, error) {
	switch {
	case len(opt.ClusterAddrs) > 0:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: opt.ClusterAddrs, Username: opt.Username, Password: opt.Password, TLSConfig: opt.tls(),
			ContextTimeoutEnabled: true, PoolSize: opt.PoolSize, MaxRetries: noRetries, DialerRetries: dialOnce,
			DialTimeout: orDefault(opt.DialTimeout, 2*time.Second), ReadTimeout: orDefault(opt.ReadTimeout, 500*time.Millisecond),
			WriteTimeout: orDefault(opt.WriteTimeout, 500*time.Millisecond),
		}), nil
	case opt.SentinelMaster != "":
		if len(opt.SentinelAddrs) == 0 {
			return nil, candor.Errorf(candor.EInvalid, "REDIS_SENTINEL_MASTER needs REDIS_SENTINEL_ADDRS")
		}
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: opt.SentinelMaster, SentinelAddrs: opt.SentinelAddrs, Username: opt.Username, Password: opt.Password,
			SentinelPassword: opt.SentinelPassword, TLSConfig: opt.tls(), ContextTimeoutEnabled: true, PoolSize: opt.PoolSize, MaxRetries: noRetries,
			DialerRetries: dialOnce, DialTimeout: orDefault(opt.DialTimeout, 2*time.Second), ReadTimeout: orDefault(opt.ReadTimeout, 500*time.Millisecond),
			WriteTimeout: orDefault(opt.WriteTimeout, 500*time.Millisecond),
		}), nil
	}
	return urlClient(opt)
}

// noRetries turns go-redis's own retries off (see Client).
const noRetries = -1

// dialOnce makes a connection attempt fail at once when Redis refuses it,
// instead of go-redis's five attempts 100 ms apart: a recommendation's
// 25 ms read budget never reaches the second, so a down Redis looked like
// a slow one (fallback reason timeout, each request waiting its whole
// budget) until the breaker opened, and a write answered 503 only after
// its timeout. The breaker and the callers' retries handle a Redis that
// comes back.
const dialOnce = 1

// tls is the TLS configuration opt asks for, or nil.
func (opt Options) tls() *tls.Config {
	if !opt.TLS {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

func urlClient(opt Options) (*redis.Client, error) {
	ro, err := redis.ParseURL(opt.URL)
	if err != nil {
		return nil, candor.Errorf(candor.EInvalid, "REDIS_URL %q is not a redis:// URL: %v", Redact(opt.URL), err)
	}
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = noRetries
	ro.DialerRetries = dialOnce
	ro.DialTimeout = orDefault(opt.DialTimeout, 2*time.Second)
	ro.ReadTimeout = orDefault(opt.ReadTimeout, 500*time.Millisecond)
	ro.WriteTimeout = orDefault(opt.WriteTimeout, 500*time.Millisecond)
	if opt.PoolSize > 0 {
		ro.PoolSize = opt.PoolSize
	}
	if ro.Password == "" && opt.Password != "" {
		ro.Username, ro.Password = opt.Username, opt.Password
	}
	return redis.NewClient(ro), nil
}

// Describe names the Redis opt points at, without secrets, for messages.
func (opt Options) Describe() string {
	switch {
	case len(opt.ClusterAddrs) > 0:
		return "cluster " + strings.Join(opt.ClusterAddrs, ",")
	case opt.SentinelMaster != "":
		return "sentinel master " + opt.SentinelMaster + " via " + strings.Join(opt.SentinelAddrs, ",")
	}
	return Redact(opt.URL)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
