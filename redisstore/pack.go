package redisstore

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// PackSets writes the packed copy (see lua/packed.lua) of every
// interaction set that has none: the sets stored before the copies
// existed, which the gated read otherwise reads member by member until
// their next event. It is safe to run while serving and to run again
// (a set that gained a copy meanwhile is left alone), and returns how many
// copies it wrote. On Redis Cluster it scans every master.
func (s *Store) PackSets(ctx context.Context) (int, error) {
	n, err := s.scriptOverKeys(ctx, ":{c:*}:fs:*", isInteractionSetKey, scriptPackSet, func(k string) []string { return []string{k, packedOf(k)} })
	return n, translate("redisstore.PackSets", err)
}

// scriptOverKeys runs script sc once for every key of the namespace that
// matches pattern (after the namespace) and keep, with the script's keys
// keysOf(key), in pipelines of 200, and counts the calls that answered 1.
// On Redis Cluster it scans every master.
func (s *Store) scriptOverKeys(ctx context.Context, pattern string, keep func(string) bool, sc *redis.Script, keysOf func(string) []string) (int, error) {
	if err := s.LoadScripts(ctx); err != nil {
		return 0, err
	}
	var batch []string
	done := 0
	flush := func() error {
		n, err := s.runBatch(ctx, sc, batch, keysOf)
		done, batch = done+n, batch[:0]
		return err
	}
	err := s.scanKeys(ctx, s.keys.ns+pattern, func(key string) error {
		if !keep(key) {
			return nil
		}
		if batch = append(batch, key); len(batch) < 200 {
			return nil
		}
		return flush()
	})
	if err == nil {
		err = flush()
	}
	return done, err
}

// isInteractionSetKey reports whether key names an interaction set
// (not its event IDs or packed copy, not a profile).
func isInteractionSetKey(key string) bool {
	for _, set := range ingestSets {
		if strings.HasSuffix(key, "}:fs:"+string(set)) {
			return true
		}
	}
	return false
}

// runBatch runs script sc once for each of keys, with the script's keys
// keysOf(key), in one pipeline, and counts the calls that answered 1.
func (s *Store) runBatch(ctx context.Context, sc *redis.Script, keys []string, keysOf func(string) []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	cmds := make([]*redis.Cmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = sc.EvalSha(ctx, p, keysOf(k))
		}
		return nil
	})
	n := 0
	for _, c := range cmds {
		if v, _ := c.Int(); v == 1 {
			n++
		}
	}
	return n, err
}

// ListConsentLogs turns every consent log that an earlier version kept as
// a STREAM into the LIST it is now (see lua/consent_log.lua), which frees
// the stream's 4 KB node a customer; a log is otherwise turned at its
// customer's next consent change, and read as it is until then. Safe to
// run while serving and to run again; returns how many logs it turned.
// On Redis Cluster it scans every master.
func (s *Store) ListConsentLogs(ctx context.Context) (int, error) {
	every := func(string) bool { return true }
	n, err := s.scriptOverKeys(ctx, ":{c:*}:consent:log", every, scriptLogToList, func(k string) []string { return []string{k} })
	return n, translate("redisstore.ListConsentLogs", err)
}
