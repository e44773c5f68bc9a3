package redisstore

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
)

// scriptSetLevel sets a consent hash's _level under its log head.
var scriptSetLevel = plain("set_level.lua")

// Recount is what RecountLevels found.
type Recount struct {
	Levels map[string]int64 // customers per level, as now stored
	Fixed  int              // customers whose kept level was missing or wrong
}

// RecountLevels rebuilds the count of customers per consent level from
// the stored records: it scans every consent hash, sets each one's
// _level to consent.RecordedLevel of its records (only while its log head
// is unchanged; a customer whose consent changes meanwhile is read again),
// then replaces the counts with what it found. Consent written during the
// scan by a customer already scanned moves the counts as usual, and that
// move is overwritten at the end: run it when few changes are written, or
// again.
func (s *Store) RecountLevels(ctx context.Context) (Recount, error) {
	out := Recount{Levels: map[string]int64{}}
	for _, l := range consent.Levels {
		out.Levels[l] = 0
	}
	suffix := ":consent"
	err := s.scanKeys(ctx, s.keys.consent("*"), func(key string) error {
		if !strings.HasSuffix(key, suffix) {
			return nil
		}
		for {
			m, err := s.rdb.HGetAll(ctx, key).Result()
			if err != nil {
				return err
			}
			if m[fieldHead] == "" {
				return nil // no log: erased meanwhile, or not a consent hash
			}
			level := consent.RecordedLevel(recordsOf(m))
			if m[fieldLevel] == level {
				out.Levels[level]++
				return nil
			}
			ok, err := scriptSetLevel.Run(ctx, s.rdb, []string{key}, m[fieldHead], level).Int()
			if err != nil {
				return err
			}
			if ok == 1 {
				out.Levels[level]++
				out.Fixed++
				return nil
			}
		}
	})
	if err != nil {
		return Recount{}, translate("redisstore.RecountLevels", err)
	}
	vals := make(map[string]any, len(out.Levels))
	for l, n := range out.Levels {
		vals[l] = n
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keys.customerLevels())
		p.HSet(ctx, s.keys.customerLevels(), vals)
		return nil
	})
	return out, translate("redisstore.RecountLevels", err)
}
