package candor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorhq/candor"
)

// Every keeps calling after an error, reports the error, and stops when
// its context ends.
func TestEveryRetriesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	var reported atomic.Int32
	done := make(chan struct{})
	go func() {
		candor.Every(ctx, time.Millisecond, func(context.Context) error {
			if calls.Add(1) >= 3 {
				cancel()
			}
			return errors.New("boom")
		}, func(error) { reported.Add(1) })
		close(done)
	}()
	<-done
	if calls.Load() < 3 || reported.Load() < 2 {
		t.Errorf("calls %d, errors reported %d: want at least 3 and 2", calls.Load(), reported.Load())
	}
}
