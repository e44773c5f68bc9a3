package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Large values (model artifacts of several MB) travel in pieces: one SET
// of 3 MB can outlast the 500 ms read/write timeout of a request-path
// client and fail although Redis stored it. Each piece is small enough to
// stay far inside the timeout, each write is idempotent so a timed-out
// piece is simply sent again, and a write whose answer was lost is checked
// before it is reported as failed.
const (
	// pieceBytes is the most bytes of a large value one command carries.
	pieceBytes = 256 << 10
	// pieceAttempts is how often one piece (or a commit) is tried when
	// Redis does not answer in time.
	pieceAttempts = 3
	// uploadTTL bounds how long a half-written upload is kept.
	uploadTTL = time.Hour
)

// writePieces writes b to key piece by piece with SETRANGE, which is
// idempotent and order-free, so a retried or late piece cannot corrupt
// another; the key then expires after uploadTTL unless renamed and
// persisted. An empty b is written with one SET.
func (s *Store) writePieces(ctx context.Context, key string, b []byte) error {
	if len(b) == 0 {
		return s.retry(ctx, func(ctx context.Context) error { return s.rdb.Set(ctx, key, "", uploadTTL).Err() })
	}
	for off := 0; off < len(b); off += pieceBytes {
		piece := string(b[off:min(off+pieceBytes, len(b))])
		err := s.retry(ctx, func(ctx context.Context) error { return s.rdb.SetRange(ctx, key, int64(off), piece).Err() })
		if err != nil {
			return err
		}
	}
	return s.retry(ctx, func(ctx context.Context) error { return s.rdb.Expire(ctx, key, uploadTTL).Err() })
}

// readPieces reads the whole string at key with GETRANGE, piece by piece;
// redis.Nil when the key does not exist. The key must not change while it
// is read (model artifacts never do).
func (s *Store) readPieces(ctx context.Context, key string) ([]byte, error) {
	var n int64
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		n, err = s.rdb.StrLen(ctx, key).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if exists, err := s.rdb.Exists(ctx, key).Result(); err != nil || exists == 0 {
			return nil, orNil(err)
		}
		return []byte{}, nil
	}
	out := make([]byte, 0, n)
	for off := int64(0); off < n; off += pieceBytes {
		var piece string
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			piece, err = s.rdb.GetRange(ctx, key, off, min(off+pieceBytes, n)-1).Result()
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, piece...)
	}
	return out, nil
}

// orNil is err, or redis.Nil when err is nil.
func orNil(err error) error {
	if err == nil {
		return redis.Nil
	}
	return err
}

// retry runs an idempotent command up to pieceAttempts times while Redis
// does not answer in time.
func (s *Store) retry(ctx context.Context, f func(context.Context) error) error {
	var err error
	for range pieceAttempts {
		if err = f(ctx); err == nil || !isUnavailable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// confirm runs a write that is not idempotent (or whose retry would fail,
// such as a RENAME that already happened). When the write fails for want
// of an answer (a timeout, a dropped connection), it may still have
// happened: landed is asked, and only a write that did not land is tried
// again, up to pieceAttempts times. So a write that happened is never
// reported as failed.
func (s *Store) confirm(ctx context.Context, write func(context.Context) error, landed func(context.Context) (bool, error)) error {
	var err error
	for range pieceAttempts {
		if err = write(ctx); err == nil || !isUnavailable(err) || ctx.Err() != nil {
			return err
		}
		var ok bool
		if cerr := s.retry(ctx, func(ctx context.Context) (e error) { ok, e = landed(ctx); return e }); cerr == nil && ok {
			return nil
		}
	}
	return err
}
