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
	scriptReadState  = gated("read_state.lua")
	scriptIngest     = gated("packed.lua", "ingest.lua")
	scriptPutProfile = gated("put_profile.lua")
	scriptConsentPut = plain("consent_put.lua")
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
	for _, sc := range []*redis.Script{scriptReadState, scriptIngest, scriptPutProfile, scriptConsentPut, scriptDecisionAppend, scriptPackSet} {
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			return translate("redisstore.LoadScripts", err)
		}
	}
	return nil
}

// consentArgs are the first four ARGV of every gated script.
func consentArgs(req consent.Request) []any {
	maxAge := req.MaxAge
	if maxAge <= 0 {
		maxAge = consent.DefaultMaxAge
	}
	gpc := "0"
	if req.GPC {
		gpc = "1"
	}
	return []any{req.Now.UnixMilli(), strconv.Itoa(req.PolicyVersion), maxAge.Milliseconds(), gpc}
}

func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 1) }
