package catalog

import (
	"context"
	"sync"
	"sync/atomic"
)

// Source loads the whole stored catalog. Implemented by redisstore.Store.
type Source interface {
	Items(ctx context.Context) ([]Item, error)
}

// Live holds the current catalog snapshot; readers never block and a reload
// swaps in a whole new snapshot.
type Live struct {
	src       Source
	sensitive []string
	cur       atomic.Pointer[Snapshot]
	mu        sync.Mutex
}

// NewLive returns an empty live catalog over src.
func NewLive(src Source, sensitiveCats []string) *Live {
	l := &Live{src: src, sensitive: sensitiveCats}
	l.cur.Store(NewSnapshot(nil, sensitiveCats))
	return l
}

// Load returns the current snapshot.
func (l *Live) Load() *Snapshot { return l.cur.Load() }

// Reload reads the stored catalog and swaps it in; on error the old one stays.
func (l *Live) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	items, err := l.src.Items(ctx)
	if err != nil {
		return err
	}
	l.cur.Store(NewSnapshot(items, l.sensitive))
	return nil
}
