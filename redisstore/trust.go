package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/trust"
)

var _ trust.Store = (*Store)(nil)

// AddTrust adds counts to the hour's totals in one MULTI (HINCRBY per
// field, then PEXPIREAT one trust.Keep after the hour).
func (s *Store) AddTrust(ctx context.Context, hour time.Time, counts map[string]int64) error {
	if len(counts) == 0 {
		return nil
	}
	key := s.keys.trust(hour.Unix())
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for f, n := range counts {
			p.HIncrBy(ctx, key, f, n)
		}
		p.PExpireAt(ctx, key, hour.Add(trust.Keep))
		return nil
	})
	return translate("redisstore.AddTrust", err)
}

// Trust reads the hours' totals in one pipeline.
func (s *Store) Trust(ctx context.Context, hours []time.Time) ([]map[string]int64, error) {
	cmds := make([]*redis.MapStringStringCmd, len(hours))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hours {
			cmds[i] = p.HGetAll(ctx, s.keys.trust(h.Unix()))
		}
		return nil
	})
	if err != nil {
		return nil, translate("redisstore.Trust", err)
	}
	out := make([]map[string]int64, len(hours))
	for i, c := range cmds {
		out[i] = map[string]int64{}
		for f, v := range c.Val() {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[i][f] = n
			}
		}
	}
	return out, nil
}
