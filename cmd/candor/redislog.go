package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"
)

// redisLogger receives go-redis's own log lines: a pool's failed dials,
// several a second while Redis is down. By default go-redis prints them
// to standard error as plain text, which breaks --log-format json and a
// command's one-line error. They go to the server's log at debug level
// (the breaker, /readyz and the metrics already report an outage), and
// nowhere before a server or trainer has a log.
type redisLogger struct{ to atomic.Pointer[zap.Logger] }

// redisLog is the one go-redis is given (redis.SetLogger in main).
var redisLog redisLogger

func (l *redisLogger) Printf(_ context.Context, format string, v ...any) {
	if z := l.to.Load(); z != nil {
		z.Debug("redis client", zap.String("detail", fmt.Sprintf(format, v...)))
	}
}
