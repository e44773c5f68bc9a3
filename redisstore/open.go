package redisstore

import (
	"github.com/alicebob/miniredis/v2"

	"github.com/candorhq/candor"
)

// Open connects lazily to the Redis at opt.URL and returns a Store whose
// keys live under namespace ns. Close releases the connections.
func Open(opt Options, ns string) (*Store, error) {
	c, err := Client(opt)
	if err != nil {
		return nil, err
	}
	s := New(c, ns)
	s.SetWriteTimeout(opt.ReadTimeout)
	return s, nil
}

// Close closes the store's connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Embedded starts an in-process Redis (miniredis) on a loopback port and
// returns its redis:// URL and a function that stops it. Candor talks to it
// through the same go-redis client as to a real Redis.
func Embedded() (url string, stop func(), err error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, candor.Wrap("redisstore.Embedded", err)
	}
	return "redis://" + m.Addr(), m.Close, nil
}
