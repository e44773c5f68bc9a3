package recommend

import (
	"testing"

	"github.com/sony/gobreaker/v2"
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
