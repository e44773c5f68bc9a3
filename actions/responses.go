package actions

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
)

// ResponseSource reads the observed responses of every action: the
// impressions and clicks sites reported through POST /v1/events.
// redisstore.Store implements it.
type ResponseSource interface {
	ActionResponses(ctx context.Context) (map[string]Observed, error)
}

// DefaultResponseRefresh is how often Responses.Run rereads the counters.
const DefaultResponseRefresh = 30 * time.Second

// Responses holds the observed response counts for arbitration. They are
// shared totals, read on a timer rather than on every request; between
// reads a decision uses the counts of the last one.
type Responses struct {
	src ResponseSource
	cur atomic.Pointer[map[string]Observed]
}

// NewResponses returns a holder with no responses observed until the
// first Reload.
func NewResponses(src ResponseSource) *Responses {
	r := &Responses{src: src}
	r.cur.Store(&map[string]Observed{})
	return r
}

// Load returns the counts of the last Reload; never nil. Callers must not
// change the map.
func (r *Responses) Load() map[string]Observed { return *r.cur.Load() }

// Reload rereads the counters; on error the held counts stay.
func (r *Responses) Reload(ctx context.Context) error {
	m, err := r.src.ActionResponses(ctx)
	if err != nil {
		return err
	}
	r.cur.Store(&m)
	return nil
}

// Run reloads every period until ctx ends, reporting failures to onErr.
func (r *Responses) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	candor.Every(ctx, every, r.Reload, onErr)
}
