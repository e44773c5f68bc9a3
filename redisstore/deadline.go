package redisstore

import (
	"context"
	"time"
)

// DefaultWriteTimeout is how long a write waits for Redis when the store
// was made with New rather than opened (Open takes Options.ReadTimeout,
// which `candor` sets from --redis-timeout): tests and tools, which check
// what a write does, never how fast a busy machine does it.
const DefaultWriteTimeout = 5 * time.Second

// A write script that is not idempotent (lua/ingest.lua) gets a deadline:
// three quarters of the write timeout after it was sent, on Redis's own
// clock, leaving the last quarter for the script to run and its answer to
// arrive. If Redis starts it later (it was paused, or busy), it writes
// nothing, so when its caller has given up and answered "unavailable",
// nothing lands after the answer. The store keeps how far Redis's clock is from this machine's
// (skew), measured when the scripts are loaded and again when a script is
// judged late sooner than it could have been.

// SetWriteTimeout sets how long writes wait for Redis (Open sets it from
// Options.ReadTimeout).
func (s *Store) SetWriteTimeout(d time.Duration) {
	if d > 0 {
		s.writeTimeout = d
	}
}

// deadline is the Unix ms, on Redis's clock, after which a write script
// sent now must not apply.
func (s *Store) deadline() int64 {
	return time.Now().Add(s.writeTimeout*3/4).UnixMilli() + s.skew.Load()
}

// calibrate measures how far Redis's clock is ahead of this machine's.
func (s *Store) calibrate(ctx context.Context) (int64, error) {
	t0 := time.Now()
	t, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return 0, translate("redisstore.calibrate", err)
	}
	mid := t0.Add(time.Since(t0) / 2)
	skew := t.UnixMilli() - mid.UnixMilli()
	s.skew.Store(skew)
	return skew, nil
}

// recalibrate measures the skew again and reports whether it moved by
// more than a quarter of the write timeout, i.e. whether a script judged
// late may have been judged by the wrong clock.
func (s *Store) recalibrate(ctx context.Context) bool {
	old := s.skew.Load()
	skew, err := s.calibrate(ctx)
	if err != nil {
		return false
	}
	return abs(skew-old) > (s.writeTimeout / 4).Milliseconds()
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
