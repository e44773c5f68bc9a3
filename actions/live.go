package actions

import (
	"context"
	"sync"
	"sync/atomic"
)

// Live holds the compiled live catalog for a server. Requests Load it
// without locks; Reload swaps in a newly published version whole, so each
// decision is made by exactly one version. Call Reload at start, on every
// redisstore.TopicActions notice, and on a timer (a notice sent while
// disconnected is lost).
type Live struct {
	store Store
	cur   atomic.Pointer[Compiled]
	mu    sync.Mutex
}

// NewLive returns a holder of the live catalog, holding Empty() until the
// first Reload.
func NewLive(st Store) *Live {
	l := &Live{store: st}
	l.cur.Store(Empty())
	return l
}

// Load returns the current version; never nil.
func (l *Live) Load() *Compiled { return l.cur.Load() }

// Reload reads the live version and swaps it in when it differs from the
// one held. On error the held version stays.
func (l *Live) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := l.store.LiveActions(ctx)
	if err == nil && c.Version == l.Load().Version() {
		return nil
	}
	cc, err := compileLive(c, err)
	if err != nil {
		return err
	}
	l.cur.Store(cc)
	return nil
}
