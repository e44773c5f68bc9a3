package rules

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/candorhq/candor/catalog"
)

// Live holds the compiled live version of one ruleset for a server.
// Requests Load it without locks; Reload swaps in a newly published
// version whole, so each request is served by exactly one version. Call
// Reload at start, on every redisstore.TopicRules notice, and on a timer
// (a notice sent while disconnected is lost).
type Live struct {
	store   Store
	name    string
	catalog func() *catalog.Snapshot
	cur     atomic.Pointer[Compiled]
	mu      sync.Mutex
}

// NewLive returns a holder of the live version of name, holding
// Empty(name) until the first Reload. catalog (may be nil) gives the
// catalog whose item facts Reload precomputes after a swap.
func NewLive(st Store, name string, catalog func() *catalog.Snapshot) *Live {
	l := &Live{store: st, name: name, catalog: catalog}
	l.cur.Store(Empty(name))
	return l
}

// Load returns the current version; never nil.
func (l *Live) Load() *Compiled { return l.cur.Load() }

// Reload reads the live version and swaps it in when it differs from the
// one held. On error the held version stays.
func (l *Live) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rs, err := l.store.LiveRuleset(ctx, l.name)
	if err == nil && rs.Version == l.Load().Version() {
		return nil
	}
	c, err := compileLive(l.name, rs, err)
	if err != nil {
		return err
	}
	l.cur.Store(c)
	if l.catalog != nil {
		c.Warm(l.catalog())
	}
	return nil
}

// Warm precomputes the held version's facts for the current catalog; call
// it after a catalog reload so that the first requests on the new catalog
// stay fast. It does nothing without a catalog func.
func (l *Live) Warm() {
	if l.catalog != nil {
		l.Load().Warm(l.catalog())
	}
}
