package main

import (
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

// Global flags, each also read from its environment variable.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "addr", Value: ":8080", Usage: "address to serve HTTP on", Category: catServer, Sources: cli.EnvVars("CANDOR_ADDR")},
		&cli.StringFlag{Name: "redis-url", Usage: "redis:// URL of the Redis to use; empty starts an embedded Redis with demo data", Category: catRedis, Sources: cli.EnvVars("REDIS_URL")},
		&cli.StringFlag{Name: "redis-cluster-addrs", Usage: "comma-separated host:port seeds of a Redis Cluster (instead of REDIS_URL)", Category: catRedis, Sources: cli.EnvVars("REDIS_CLUSTER_ADDRS")},
		&cli.StringFlag{Name: "redis-sentinel-master", Usage: "master name of a Sentinel-managed Redis (instead of REDIS_URL); needs REDIS_SENTINEL_ADDRS", Category: catRedis, Sources: cli.EnvVars("REDIS_SENTINEL_MASTER")},
		&cli.StringFlag{Name: "redis-sentinel-addrs", Usage: "comma-separated host:port of the Sentinels", Category: catRedis, Sources: cli.EnvVars("REDIS_SENTINEL_ADDRS")},
		&cli.StringFlag{Name: "redis-username", Usage: "ACL user for REDIS_CLUSTER_ADDRS or Sentinel (a REDIS_URL carries its own)", Category: catRedis, Sources: cli.EnvVars("REDIS_USERNAME")},
		&cli.StringFlag{Name: "redis-password", Usage: "password for REDIS_CLUSTER_ADDRS or Sentinel; set it in the environment, not on the command line", Category: catRedis, Sources: cli.EnvVars("REDIS_PASSWORD")},
		&cli.StringFlag{Name: "redis-sentinel-password", Usage: "password of the Sentinels themselves, when they require one (the data nodes use REDIS_PASSWORD)", Category: catRedis, Sources: cli.EnvVars("REDIS_SENTINEL_PASSWORD")},
		&cli.BoolFlag{Name: "redis-tls", Usage: "TLS to the cluster nodes or Sentinel-managed Redis (a REDIS_URL asks for TLS with rediss://)", Category: catRedis, Sources: cli.EnvVars("REDIS_TLS")},
		&cli.StringFlag{Name: "namespace", Value: "candor", Usage: "prefix of every Redis key, so tenants and tests can share a Redis", Category: catRedis, Sources: cli.EnvVars("CANDOR_NAMESPACE")},
		&cli.StringFlag{Name: "log-format", Value: "console", Usage: "log format: console or json", Category: catLogging, Sources: cli.EnvVars("CANDOR_LOG_FORMAT")},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "log level: debug, info, warn or error", Category: catLogging, Sources: cli.EnvVars("CANDOR_LOG_LEVEL")},
		&cli.DurationFlag{Name: "read-timeout", Value: 5 * time.Second, Usage: "HTTP read timeout (whole request)", Category: catServer, Sources: cli.EnvVars("CANDOR_READ_TIMEOUT")},
		&cli.DurationFlag{Name: "write-timeout", Value: 10 * time.Second, Usage: "HTTP write timeout", Category: catServer, Sources: cli.EnvVars("CANDOR_WRITE_TIMEOUT")},
		&cli.DurationFlag{Name: "idle-timeout", Value: 60 * time.Second, Usage: "HTTP keep-alive idle timeout", Category: catServer, DefaultText: "1m", Sources: cli.EnvVars("CANDOR_IDLE_TIMEOUT")},
		&cli.DurationFlag{Name: "shutdown-timeout", Value: 10 * time.Second, Usage: "how long in-flight requests may run after SIGINT/SIGTERM", Category: catServer, Sources: cli.EnvVars("CANDOR_SHUTDOWN_TIMEOUT")},
		&cli.DurationFlag{Name: "redis-timeout", Value: 500 * time.Millisecond, Usage: "Redis read and write timeout", Category: catRedis, Sources: cli.EnvVars("CANDOR_REDIS_TIMEOUT")},
		&cli.DurationFlag{Name: "consent-max-age", Value: 395 * 24 * time.Hour, Usage: "how long a grant counts before it expires", Category: catData, DefaultText: "395 days (9480h)", Sources: cli.EnvVars("CANDOR_CONSENT_MAX_AGE")},
		&cli.BoolFlag{Name: "keep-on-withdrawal", Usage: "keep a feature set's data when its consent is withdrawn (by default it is deleted in the same atomic write)", Category: catData, Sources: cli.EnvVars("CANDOR_KEEP_ON_WITHDRAWAL")},
		&cli.StringFlag{Name: "sensitive-categories", Value: "health,maternity,adult,religion,sexuality,politics", Usage: "comma-separated catalog categories whose items are special-category data (their events go to the sensitive feature set)", Category: catData, Sources: cli.EnvVars("CANDOR_SENSITIVE_CATEGORIES")},
		&cli.StringFlag{Name: "feature-cap", Value: "500,purchases=1000", Usage: "most recent items kept per interaction feature set: a number for every set, and <set>=<n> for one", Category: catData, Sources: cli.EnvVars("CANDOR_FEATURE_CAP")},
		&cli.StringFlag{Name: "retention", Value: "browsing=90d,purchases=730d,sensitive=30d,declared=730d,location=30d,demographics=365d", Usage: "retention per feature set (set=<n>d or a Go duration): an interaction last seen longer ago is dropped when its set is next written, and a set expires this long after its last write", Category: catData, Sources: cli.EnvVars("CANDOR_RETENTION")},
		&cli.StringFlag{Name: "token-secret", Usage: "HS256 secret (≥ 32 bytes) for customer tokens; the embedded demo makes one when empty", Category: catServer, Sources: cli.EnvVars("CANDOR_TOKEN_SECRET")},
		&cli.StringFlag{Name: "token-public-key", Usage: "PEM file with the RSA or Ed25519 public key for RS256/EdDSA customer tokens (instead of a secret)", Category: catServer, Sources: cli.EnvVars("CANDOR_TOKEN_PUBLIC_KEY")},
		&cli.DurationFlag{Name: "read-budget", Value: 25 * time.Millisecond, Usage: "time the recommendation path waits for Redis before answering with the non-personal fallback", Category: catServer, Sources: cli.EnvVars("CANDOR_READ_BUDGET")},
		&cli.DurationFlag{Name: "decision-keep", Value: 30 * 24 * time.Hour, Usage: "how long decision records (what was shown and why) are kept", Category: catServer, DefaultText: "30 days (720h)", Sources: cli.EnvVars("CANDOR_DECISION_KEEP")},
		&cli.IntFlag{Name: "decision-cap", Value: recommend.DefaultPerCustomer, Usage: "most decision records kept per customer (the newest), for the \"why\" page and the export", Category: catServer, Sources: cli.EnvVars("CANDOR_DECISION_CAP")},
		&cli.IntFlag{Name: "decision-cap-anonymous", Value: recommend.DefaultAnonymous, Usage: "most decision records kept for anonymous visitors, all together (the newest)", Category: catServer, Sources: cli.EnvVars("CANDOR_DECISION_CAP_ANONYMOUS")},
		&cli.StringFlag{Name: "replenishable-categories", Usage: "comma-separated top-level categories whose bought items may be recommended again (consumables)", Category: catData, Sources: cli.EnvVars("CANDOR_REPLENISHABLE_CATEGORIES")},
		&cli.StringFlag{Name: "ruleset", Value: "default", Usage: "name of the marketers' ruleset that recommendations apply", Category: catServer, Sources: cli.EnvVars("CANDOR_RULESET")},
		&cli.DurationFlag{Name: "train-every", Usage: "retrain the live model's kind from the store this often, one replica at a time (at least 1m; off on a real Redis, 10m in the embedded demo)", Category: catServer, DefaultText: "off", Sources: cli.EnvVars("CANDOR_TRAIN_EVERY")},
		&cli.DurationFlag{Name: "max-model-age", Usage: "stop serving a model whose data was read longer ago than this, and delete stored versions that old, so an erased customer's data leaves every model within it (at least twice --train-every)", Category: catData, DefaultText: "7 days (168h) with --train-every or train --every, else off", Sources: cli.EnvVars("CANDOR_MAX_MODEL_AGE")},
		&cli.IntFlag{Name: "policy-version", Value: 1, Usage: "live privacy-policy version; grants under older versions need re-consent", Category: catData, Sources: cli.EnvVars("CANDOR_POLICY_VERSION")},
	}
}

// config is the validated global configuration.
type config struct {
	Addr                string
	AddrSet             bool               // --addr or CANDOR_ADDR was given
	Redis               redisstore.Options // the external Redis; zero when embedded
	Namespace           string
	LogFormat           string
	LogLevel            zapcore.Level
	ReadTimeout         time.Duration
	WriteTimeout        time.Duration
	IdleTimeout         time.Duration
	ShutdownTimeout     time.Duration
	RedisTimeout        time.Duration
	PolicyVersion       int
	ConsentMaxAge       time.Duration
	KeepOnWithdrawal    bool
	SensitiveCategories []string
	Replenishable       []string
	TokenSecret         string
	ReadBudget          time.Duration
	Ruleset             string
	DecisionKeep        time.Duration
	DecisionCap         int // per customer
	DecisionCapAnon     int // anonymous visitors, all together
	TokenPublicKey      string
	Retention           features.Retention
	TrainEvery          time.Duration // scheduled training; 0: off
	TrainEverySet       bool          // --train-every or CANDOR_TRAIN_EVERY was given
	MaxModelAge         time.Duration // 0: models never retire
}

// Scheduled training defaults.
const (
	defaultMaxModelAge = 7 * 24 * time.Hour
	demoTrainEvery     = 10 * time.Minute
)

// scheduleTraining sets the training interval (0: none) and, unless it
// was given, the maximum model age that goes with it, and checks them:
// the maximum age must leave room for a failed training to be retried
// before the live model retires.
func (c *config) scheduleTraining(every time.Duration, flag string) error {
	c.TrainEvery = every
	if every > 0 && c.MaxModelAge == 0 {
		c.MaxModelAge = defaultMaxModelAge
	}
	switch {
	case every < 0 || every > 0 && every < time.Minute:
		return usagef("%s must be at least 1m (or 0, off)", flag)
	case c.MaxModelAge < 0 || c.MaxModelAge > 0 && c.MaxModelAge < time.Minute:
		return usagef("--max-model-age / CANDOR_MAX_MODEL_AGE must be at least 1m (or 0, off)")
	case every > 0 && c.MaxModelAge < 2*every:
		return usagef("--max-model-age / CANDOR_MAX_MODEL_AGE (%s) must be at least twice %s (%s), so that a failed training is retried before the live model retires", c.MaxModelAge, flag, every)
	}
	return nil
}

// loadConfig reads and validates the global flags; an error names the
// setting and its environment variable.
func loadConfig(cmd *cli.Command) (config, error) {
	c := config{
		Addr: cmd.String("addr"), AddrSet: cmd.IsSet("addr"), Namespace: cmd.String("namespace"),
		LogFormat: cmd.String("log-format"), ReadTimeout: cmd.Duration("read-timeout"),
		WriteTimeout: cmd.Duration("write-timeout"), IdleTimeout: cmd.Duration("idle-timeout"),
		ShutdownTimeout: cmd.Duration("shutdown-timeout"), RedisTimeout: cmd.Duration("redis-timeout"),
		PolicyVersion: int(cmd.Int("policy-version")), ConsentMaxAge: cmd.Duration("consent-max-age"),
		KeepOnWithdrawal: cmd.Bool("keep-on-withdrawal"),
	}
	var err error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		return c, usagef("--addr / CANDOR_ADDR %q is not host:port with a port from 0 to 65535 (e.g. :8080)", c.Addr)
	}
	if c.Redis, err = redisOptions(cmd); err != nil {
		return c, err
	}
	if !validNamespace(c.Namespace) {
		return c, usagef("--namespace / CANDOR_NAMESPACE %q must be 1-64 characters of letters, digits, '_' or '-'", c.Namespace)
	}
	if c.LogFormat != "console" && c.LogFormat != "json" {
		return c, usagef("--log-format / CANDOR_LOG_FORMAT %q must be console or json", c.LogFormat)
	}
	lvl, err := zapcore.ParseLevel(cmd.String("log-level"))
	if err != nil {
		return c, usagef("--log-level / CANDOR_LOG_LEVEL %q must be debug, info, warn or error", cmd.String("log-level"))
	}
	c.LogLevel = lvl
	if c.Retention, err = parseRetention(cmd.String("retention"), cmd.String("feature-cap")); err != nil {
		return c, err
	}
	c.SensitiveCategories = splitComma(cmd.String("sensitive-categories"))
	c.Replenishable = splitComma(cmd.String("replenishable-categories"))
	c.TokenSecret, c.TokenPublicKey = cmd.String("token-secret"), cmd.String("token-public-key")
	c.ReadBudget, c.DecisionKeep = cmd.Duration("read-budget"), cmd.Duration("decision-keep")
	c.Ruleset = cmd.String("ruleset")
	c.DecisionCap, c.DecisionCapAnon = int(cmd.Int("decision-cap")), int(cmd.Int("decision-cap-anonymous"))
	if c.TokenSecret != "" && len(c.TokenSecret) < 32 {
		return c, usagef("--token-secret / CANDOR_TOKEN_SECRET must be at least 32 bytes")
	}
	c.MaxModelAge, c.TrainEverySet = cmd.Duration("max-model-age"), cmd.IsSet("train-every")
	if err := c.scheduleTraining(cmd.Duration("train-every"), "--train-every / CANDOR_TRAIN_EVERY"); err != nil {
		return c, err
	}
	return c, validateDurations(c)
}

// redisOptions reads the one Redis deployment the flags name: a URL, a
// cluster or a Sentinel master; more than one is an error.
func redisOptions(cmd *cli.Command) (redisstore.Options, error) {
	o := redisstore.Options{URL: cmd.String("redis-url"), ClusterAddrs: splitComma(cmd.String("redis-cluster-addrs")),
		SentinelMaster: cmd.String("redis-sentinel-master"), SentinelAddrs: splitComma(cmd.String("redis-sentinel-addrs")),
		Username: cmd.String("redis-username"), Password: cmd.String("redis-password"),
		SentinelPassword: cmd.String("redis-sentinel-password"), TLS: cmd.Bool("redis-tls")}
	n := 0
	for _, set := range []bool{o.URL != "", len(o.ClusterAddrs) > 0, o.SentinelMaster != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return o, usagef("set only one of --redis-url / REDIS_URL, --redis-cluster-addrs / REDIS_CLUSTER_ADDRS and --redis-sentinel-master / REDIS_SENTINEL_MASTER")
	case o.URL != "" && !strings.HasPrefix(o.URL, "redis://") && !strings.HasPrefix(o.URL, "rediss://"):
		return o, usagef("--redis-url / REDIS_URL must start with redis:// or rediss://")
	case o.SentinelMaster != "" && len(o.SentinelAddrs) == 0:
		return o, usagef("--redis-sentinel-master / REDIS_SENTINEL_MASTER needs --redis-sentinel-addrs / REDIS_SENTINEL_ADDRS")
	}
	for _, a := range append(slices.Clone(o.ClusterAddrs), o.SentinelAddrs...) {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return o, usagef("Redis address %q in REDIS_CLUSTER_ADDRS / REDIS_SENTINEL_ADDRS is not host:port", a)
		}
	}
	return o, nil
}

// external reports whether an external Redis is configured (else the
// embedded one runs).
func (c config) external() bool {
	return c.Redis.URL != "" || len(c.Redis.ClusterAddrs) > 0 || c.Redis.SentinelMaster != ""
}

func validateDurations(c config) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"--read-timeout / CANDOR_READ_TIMEOUT", c.ReadTimeout},
		{"--write-timeout / CANDOR_WRITE_TIMEOUT", c.WriteTimeout},
		{"--idle-timeout / CANDOR_IDLE_TIMEOUT", c.IdleTimeout},
		{"--shutdown-timeout / CANDOR_SHUTDOWN_TIMEOUT", c.ShutdownTimeout},
		{"--redis-timeout / CANDOR_REDIS_TIMEOUT", c.RedisTimeout},
		{"--consent-max-age / CANDOR_CONSENT_MAX_AGE", c.ConsentMaxAge},
		{"--read-budget / CANDOR_READ_BUDGET", c.ReadBudget},
		{"--decision-keep / CANDOR_DECISION_KEEP", c.DecisionKeep},
	} {
		if d.v <= 0 {
			return usagef("%s must be a positive duration such as 5s", d.name)
		}
	}
	if c.PolicyVersion < 1 {
		return usagef("--policy-version / CANDOR_POLICY_VERSION must be a positive integer")
	}
	if c.DecisionCap < 1 || c.DecisionCapAnon < 1 {
		return usagef("--decision-cap / CANDOR_DECISION_CAP and --decision-cap-anonymous / CANDOR_DECISION_CAP_ANONYMOUS must be positive integers")
	}
	return nil
}

// decisionRetention is how long and how many decision records are kept.
func (c config) decisionRetention() recommend.Retention {
	return recommend.Retention{Keep: c.DecisionKeep, PerCustomer: c.DecisionCap, Anonymous: c.DecisionCapAnon}
}

func validNamespace(ns string) bool {
	if ns == "" || len(ns) > 64 {
		return false
	}
	for _, r := range ns {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// newLogger builds the zap logger for the configured format and level.
// newLogger returns the process's logger and a function that flushes and
// stops it. Lines below error level are buffered (flushed every second or
// at 256 KiB, so a busy server does not make one write per request); errors
// are written at once. The JSON format samples repeated lines (zap's
// production sampling: the first 100 of a message each second, then every
// 100th).
func newLogger(c config) (*zap.Logger, func(), error) {
	zc := zap.NewProductionConfig()
	enc := zapcore.NewJSONEncoder(zc.EncoderConfig)
	if c.LogFormat == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.Sampling = nil
		enc = zapcore.NewConsoleEncoder(zc.EncoderConfig)
	}
	out := zapcore.Lock(os.Stderr)
	buf := &zapcore.BufferedWriteSyncer{WS: out, Size: 256 << 10, FlushInterval: time.Second}
	below := zap.LevelEnablerFunc(func(l zapcore.Level) bool { return l >= c.LogLevel && l < zapcore.ErrorLevel })
	above := zap.LevelEnablerFunc(func(l zapcore.Level) bool { return l >= c.LogLevel && l >= zapcore.ErrorLevel })
	core := zapcore.NewTee(zapcore.NewCore(enc, buf, below), zapcore.NewCore(enc.Clone(), out, above))
	if s := zc.Sampling; s != nil {
		core = zapcore.NewSamplerWithOptions(core, time.Second, s.Initial, s.Thereafter)
	}
	opts := []zap.Option{zap.AddCaller(), zap.ErrorOutput(out)}
	if c.LogFormat != "console" {
		opts = append(opts, zap.AddStacktrace(zapcore.ErrorLevel))
	}
	return zap.New(core, opts...), func() { _ = buf.Stop() }, nil
}

// parseRetention reads "set=90d,set=720h" into a Retention.
func parseRetention(spec, caps string) (features.Retention, error) {
	r := features.DefaultRetention()
	if err := parseCaps(&r, caps); err != nil {
		return r, err
	}
	for _, part := range splitComma(spec) {
		set, val, ok := strings.Cut(part, "=")
		d, err := parseDays(val)
		if !ok || err != nil || d <= 0 || !consent.Scope(set).IsFeatureSet() {
			return r, usagef("--retention / CANDOR_RETENTION entry %q must be <feature set>=<n>d, e.g. browsing=90d", part)
		}
		r.TTL[consent.Scope(set)] = d
	}
	return r, nil
}

// parseCaps reads "500,purchases=1000": a cap for every interaction set,
// then caps of single sets.
func parseCaps(r *features.Retention, spec string) error {
	for _, part := range splitComma(spec) {
		set, val, named := strings.Cut(part, "=")
		if !named {
			val = set
		}
		n, err := strconv.Atoi(val)
		ok := err == nil && n >= 1 && n <= 100000
		switch {
		case !ok || named && (!consent.Scope(set).IsFeatureSet() || features.KindOf(consent.Scope(set)) != features.Interactions):
			return usagef("--feature-cap / CANDOR_FEATURE_CAP entry %q must be a number from 1 to 100000, or <interaction set>=<n> such as purchases=1000", part)
		case named:
			r.Caps[consent.Scope(set)] = n
		default:
			r.Cap = n
			clear(r.Caps)
		}
	}
	return nil
}

func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validPort reports whether p is a port number net.Listen takes (0 or ""
// picks a free one), not a service name: a typo should not reach the
// listener.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}
