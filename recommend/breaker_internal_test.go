package recommend

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/sony/gobreaker/v2"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// TestBreakerTripsOnADownRedisOnly: five failures in a row trip it only
// when they are at least half of the interval's reads.
func TestBreakerTripsOnADownRedisOnly(t *testing.T) {
	tests := []struct {
		name string
		c    gobreaker.Counts
		want bool
	}{
		{"redis down: the first five reads failed", gobreaker.Counts{Requests: 5, TotalFailures: 5, ConsecutiveFailures: 5}, true},
		{"four in a row", gobreaker.Counts{Requests: 4, TotalFailures: 4, ConsecutiveFailures: 4}, false},
		{"a busy second among thousands of good reads", gobreaker.Counts{Requests: 5000, TotalSuccesses: 4990, TotalFailures: 10, ConsecutiveFailures: 6}, false},
		{"most reads failing", gobreaker.Counts{Requests: 100, TotalSuccesses: 40, TotalFailures: 60, ConsecutiveFailures: 5}, true},
	}
	for _, tt := range tests {
		if got := readyToTrip(tt.c); got != tt.want {
			t.Errorf("%s: trip %v, want %v", tt.name, got, tt.want)
		}
	}
}

// readerFunc is a StateReader that answers with fn.
type readerFunc func() (*features.State, error)

func (f readerFunc) ReadState(context.Context, string, consent.Request, features.ReadOptions) (*features.State, error) {
	return f()
}

// TestReadFallbackReasons: a read cut off by its budget is a timeout
// whether the context or the socket deadline go-redis set from it noticed
// first ("i/o timeout"); only a store that failed otherwise is
// store_unavailable.
func TestReadFallbackReasons(t *testing.T) {
	wrap := func(err error) error {
		return &candor.Error{Code: candor.EUnavailable, Op: "redisstore.ReadState", Err: err}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"the socket deadline", wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), "timeout"},
		{"the context", wrap(context.DeadlineExceeded), "timeout"},
		{"connection refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), "store_unavailable"},
		{"a Redis error", wrap(errors.New("LOADING Redis is loading the dataset in memory")), "store_unavailable"},
	}
	for _, tt := range tests {
		s := NewService(Deps{Reader: readerFunc(func() (*features.State, error) { return nil, tt.err })}, Config{})
		st, fb := s.ReadGated(context.Background(), "c1", consent.Request{}, features.ReadOptions{})
		if st != nil || !fb.Active || fb.Reason != tt.want {
			t.Errorf("%s: state %v, fallback %+v; want the fallback, reason %s", tt.name, st, fb, tt.want)
		}
	}
}
