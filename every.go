package candor

import (
	"context"
	"time"
)

// Every calls fn once per period until ctx ends. An error fn returns while
// ctx is still live goes to onErr; the next tick tries again. It is how
// replicas refresh what they hold in memory (keys, rulesets, counters) in
// case a change notice was lost.
func Every(ctx context.Context, period time.Duration, fn func(context.Context) error, onErr func(error)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}
