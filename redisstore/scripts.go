package redisstore

import (
	"context"
	"embed"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
)

//go:embed lua/*.lua
var luaFS embed.FS

// gated scripts start with the consent evaluation prelude (lua/consent.lua)
// and take its four arguments first; see consentArgs.
var (
	scriptReadState  = hot(gated("read_state.lua"))
	scriptIngest     = gated("packed.lua", "ingest.lua")
	scriptPutProfile = gated("put_profile.lua")
	scriptConsentPut = plain("consent_log.lua", "consent_put.lua")
	scriptConsentLog = plain("consent_log.lua", "consent_log_read.lua")
	scriptLogToList  = plain("consent_log.lua", "consent_log_migrate.lua")
	scriptPackSet    = plain("packed.lua", "pack_set.lua")
)

// gated and plain scripts are the named files in order, the first a
// prelude of functions the last uses.
func gated(names ...string) *redis.Script { return plain(append([]string{"consent.lua"}, names...)...) }

func plain(names ...string) *redis.Script {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = mustRead(n)
	}
	return redis.NewScript(strings.Join(parts, "\n"))
}

func mustRead(name string) string {
	b, err := luaFS.ReadFile("lua/" + name)
	if err != nil {
		panic("redisstore: missing embedded script " + name)
	}
	return string(b)
}

// LoadScripts loads every Lua script into Redis's script cache so the first
// request is one EVALSHA round trip rather than EVALSHA, NOSCRIPT, EVAL,
// and measures how far Redis's clock is from ours (see deadline.go).
func (s *Store) LoadScripts(ctx context.Context) error {
	if _, err := s.calibrate(ctx); err != nil {
		return err
	}
	for _, sc := range []*redis.Script{scriptReadState.Script, scriptIngest, scriptPutProfile, scriptConsentPut, scriptConsentLog, scriptLogToList, scriptDecisionAppend.Script, scriptDecisionsRead, scriptPackSet} {
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			return translate("redisstore.LoadScripts", err)
		}
	}
	return nil
}

// hotScript is a script run on every request (the gated read, the
// decision append), sent as go-redis's Script sends it but without an
// allocation per key: go-redis writes a *string argument as the string it
// points to, so every key after the first goes as a pointer into the
// caller's keys (boxing a string into an interface allocates; the gated
// read has 13 keys). The first key stays a string: a cluster client
// routes a command by it. The hash is boxed once.
type hotScript struct {
	*redis.Script
	sha any
}

func hot(sc *redis.Script) hotScript { return hotScript{Script: sc, sha: sc.Hash()} }

// processor is a client or a pipeline.
type processor interface {
	redis.Scripter
	Process(ctx context.Context, cmd redis.Cmder) error
}

// argEvalSha is EVALSHA's name, boxed once.
var argEvalSha any = "evalsha"

// evalSha is sc.EvalSha on c (a client or a pipeline); keys must not
// change until the command has been written.
func (sc hotScript) evalSha(ctx context.Context, c processor, keys []string, args []any) *redis.Cmd {
	all := make([]any, 0, 3+len(keys)+len(args))
	all = append(all, argEvalSha, sc.sha, len(keys))
	for i := range keys {
		if i == 0 {
			all = append(all, keys[0])
		} else {
			all = append(all, &keys[i])
		}
	}
	cmd := redis.NewCmd(ctx, append(all, args...)...)
	if len(keys) > 0 {
		cmd.SetFirstKeyPos(3)
	}
	_ = c.Process(ctx, cmd)
	return cmd
}

// run is sc.Run: evalSha, and EVAL with the source if Redis does not
// hold the script (NOSCRIPT).
func (sc hotScript) run(ctx context.Context, c processor, keys []string, args ...any) *redis.Cmd {
	cmd := sc.evalSha(ctx, c, keys, args)
	if isNoScript(cmd.Err()) {
		return sc.Eval(ctx, c, keys, args...)
	}
	return cmd
}

// consentArgs are the first four ARGV of every gated script.
func consentArgs(req consent.Request) []any {
	now, policy, maxAge, gpc := consentValues(req)
	return []any{now, policy, maxAge, gpc}
}

// consentValues are consentArgs' values: the request's time (ms), policy
// version, the longest a consent holds (ms) and whether GPC is on ("1").
func consentValues(req consent.Request) (now int64, policy string, maxAge int64, gpc string) {
	age := req.MaxAge
	if age <= 0 {
		age = consent.DefaultMaxAge
	}
	gpc = "0"
	if req.GPC {
		gpc = "1"
	}
	return req.Now.UnixMilli(), strconv.Itoa(req.PolicyVersion), age.Milliseconds(), gpc
}

func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 1) }
