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
	if err := s.LoadScripts(ctx); err != nil {
		return 0, err
	}
	var batch []string
	packed := 0
	flush := func() error {
		n, err := s.packBatch(ctx, batch)
		packed, batch = packed+n, batch[:0]
		return err
	}
	err := s.scanKeys(ctx, s.keys.ns+":{c:*}:fs:*", func(key string) error {
		if !isInteractionSetKey(key) {
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
	return packed, translate("redisstore.PackSets", err)
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

func (s *Store) packBatch(ctx context.Context, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	cmds := make([]*redis.Cmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = scriptPackSet.EvalSha(ctx, p, []string{k, packedOf(k)})
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
