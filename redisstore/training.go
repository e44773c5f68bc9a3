package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	scriptLockExtend  = plain("lock_extend.lua")
	scriptLockRelease = plain("lock_release.lua")
	scriptModelDelete = plain("model_delete.lua")
)

// TryLock takes the lock name for ttl under token if no one holds it (SET
// NX PX). It reports whether it did. A lock whose holder dies expires
// after ttl.
func (s *Store) TryLock(ctx context.Context, name, token string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.keys.lock(name), token, ttl).Result()
	return ok, translate("redisstore.TryLock", err)
}

// ExtendLock renews the lock's ttl if token still holds it, and reports
// whether it did.
func (s *Store) ExtendLock(ctx context.Context, name, token string, ttl time.Duration) (bool, error) {
	n, err := scriptLockExtend.Run(ctx, s.rdb, []string{s.keys.lock(name)}, token, ttl.Milliseconds()).Int()
	return n == 1, translate("redisstore.ExtendLock", err)
}

// Unlock releases the lock if token holds it (compare and delete), and
// reports whether it did.
func (s *Store) Unlock(ctx context.Context, name, token string) (bool, error) {
	n, err := scriptLockRelease.Run(ctx, s.rdb, []string{s.keys.lock(name)}, token).Int()
	return n == 1, translate("redisstore.Unlock", err)
}

// LastTraining returns when the last scheduled training began; the zero
// time when none has.
func (s *Store) LastTraining(ctx context.Context) (time.Time, error) {
	v, err := s.rdb.Get(ctx, s.keys.lastTraining()).Result()
	if err == redis.Nil {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, translate("redisstore.LastTraining", err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, nil // unreadable: as if never
	}
	return time.UnixMilli(ms).UTC(), nil
}

// MarkTraining records that a scheduled training began at t.
func (s *Store) MarkTraining(ctx context.Context, t time.Time) error {
	return translate("redisstore.MarkTraining", s.rdb.Set(ctx, s.keys.lastTraining(), t.UnixMilli(), 0).Err())
}

// DeleteModels deletes stored model versions, artifact and description in
// one script, never the live one, and returns how many it deleted.
func (s *Store) DeleteModels(ctx context.Context, versions ...string) (int, error) {
	if len(versions) == 0 {
		return 0, nil
	}
	keys := []string{s.keys.modelInfos(), s.keys.liveModel()}
	args := make([]any, len(versions))
	for i, v := range versions {
		keys = append(keys, s.keys.modelKey(v))
		args[i] = v
	}
	n, err := scriptModelDelete.Run(ctx, s.rdb, keys, args...).Int()
	return n, translate("redisstore.DeleteModels", err)
}
