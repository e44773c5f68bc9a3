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

// SetTrust sets fields of the hour's totals in one MULTI (HSET, then
// PEXPIREAT one trust.Keep after the hour).
func (s *Store) SetTrust(ctx context.Context, hour time.Time, values map[string]int64) error {
	if len(values) == 0 {
		return nil
	}
	key := s.keys.trust(hour.Unix())
	fields := make(map[string]any, len(values))
	for f, v := range values {
		fields[f] = v
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fields)
		p.PExpireAt(ctx, key, hour.Add(trust.Keep))
		return nil
	})
	return translate("redisstore.SetTrust", err)
}

// TrustField reads one field of the hours' totals in one pipeline.
func (s *Store) TrustField(ctx context.Context, hours []time.Time, field string) ([]int64, error) {
	cmds := make([]*redis.StringCmd, len(hours))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hours {
			cmds[i] = p.HGet(ctx, s.keys.trust(h.Unix()), field)
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, translate("redisstore.TrustField", err)
	}
	out := make([]int64, len(hours))
	for i, c := range cmds {
		out[i], _ = c.Int64()
	}
	return out, nil
}

// CustomerLevels reads the count of customers per consent level.
func (s *Store) CustomerLevels(ctx context.Context) (map[string]int64, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.customerLevels()).Result()
	if err != nil {
		return nil, translate("redisstore.CustomerLevels", err)
	}
	out := make(map[string]int64, len(m))
	for l, v := range m {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[l] = n
		}
	}
	return out, nil
}

// The shared counts of customers (per consent level, per latest
// personalized hour) are on another Redis Cluster slot than the
// customer's keys, where each customer's counted value is kept atomically
// with what it counts; they move right after, by the deltas the scripts
// report. A move lost to a store error or a crash in between is counted
// in CountsFailed, and leaves the counts off by one until `candor
// consent recount` (levels) or the hour leaving trust.ShownWindow (shown).

// moveLevel moves one customer from level from ("" = not counted) to to
// ("" = out) in the count per level.
func (s *Store) moveLevel(ctx context.Context, from, to string) {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if from != "" {
			p.HIncrBy(ctx, s.keys.customerLevels(), from, -1)
		}
		if to != "" {
			p.HIncrBy(ctx, s.keys.customerLevels(), to, 1)
		}
		return nil
	})
	if err != nil {
		s.countsFailed.Add(1)
	}
}

// moveShown adds deltas (hour since the Unix epoch → customers) to the
// trust.CustomersShown field of those hours' totals, in one MULTI (on
// Redis Cluster, go-redis sends one per slot). A count of an hour gone
// from the store comes back with an expiry in the past, so it goes again.
func (s *Store) moveShown(ctx context.Context, deltas map[int64]int64) {
	if len(deltas) == 0 {
		return
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for h, n := range deltas {
			if n == 0 {
				continue
			}
			hour := time.Unix(h*3600, 0)
			key := s.keys.trust(hour.Unix())
			p.HIncrBy(ctx, key, trust.CustomersShown, n)
			p.PExpireAt(ctx, key, hour.Add(trust.Keep))
		}
		return nil
	})
	if err != nil {
		s.countsFailed.Add(1)
	}
}

// CountsFailed returns how many moves of the shared counts of customers
// were lost to store errors since the process began.
func (s *Store) CountsFailed() int64 { return s.countsFailed.Load() }
