package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanKeys calls fn with every key matching pattern. On Redis Cluster it
// scans every master (each holds only its own slots); fn is never called
// concurrently.
func (s *Store) scanKeys(ctx context.Context, pattern string, fn func(key string) error) error {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return scanNode(ctx, s.rdb, pattern, fn)
	}
	var mu sync.Mutex
	return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		return scanNode(ctx, node, pattern, func(key string) error {
			mu.Lock()
			defer mu.Unlock()
			return fn(key)
		})
	})
}

func scanNode(ctx context.Context, c redis.Cmdable, pattern string, fn func(string) error) error {
	iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		if err := fn(iter.Val()); err != nil {
			return err
		}
	}
	return iter.Err()
}
