package redisstore

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// MigrateShared moves the shared keys that versions before the {shared}
// hash tag wrote under "<ns>:" (the audit trail, rulesets, the action
// catalog, the model registry and artifacts) to their tagged names
// "<ns>:{shared}:…", so that an upgraded deployment keeps its live rules,
// actions, models and audit history. Each key moves by DUMP, RESTORE and
// DEL, which works across slots on a cluster; a key whose new name exists
// already is left alone. It is safe to run at every start and returns how
// many keys moved.
func (s *Store) MigrateShared(ctx context.Context) (int, error) {
	var old []string
	for _, p := range []string{":audit", ":rules:*", ":actions:draft", ":actions:versions", ":actions:live", ":models", ":model:*"} {
		err := s.scanKeys(ctx, s.keys.ns+p, func(k string) error {
			old = append(old, k)
			return nil
		})
		if err != nil {
			return 0, translate("redisstore.MigrateShared", err)
		}
	}
	moved := 0
	for _, k := range old {
		ok, err := s.moveKey(ctx, k, s.keys.shared()+strings.TrimPrefix(k, s.keys.ns))
		if err != nil {
			return moved, translate("redisstore.MigrateShared", err)
		}
		if ok {
			moved++
		}
	}
	return moved, nil
}

// moveKey copies from to to (with its TTL) unless to exists, then deletes
// from.
func (s *Store) moveKey(ctx context.Context, from, to string) (bool, error) {
	if n, err := s.rdb.Exists(ctx, to).Result(); err != nil || n > 0 {
		return false, err
	}
	dump, err := s.rdb.Dump(ctx, from).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ttl, err := s.rdb.PTTL(ctx, from).Result()
	if err != nil {
		return false, err
	}
	if ttl < 0 {
		ttl = 0
	}
	if err := s.rdb.Restore(ctx, to, ttl, dump).Err(); err != nil {
		return false, err
	}
	return true, s.rdb.Del(ctx, from).Err()
}
