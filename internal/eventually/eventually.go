// Package eventually lets a test wait for what happens off its own
// goroutine (a record written in the background, a replica reloading after
// a publish, a server becoming ready, a breaker closing again) without
// asserting how fast it happens.
//
// A fixed wait (a second, five, ninety) is a timing assertion in disguise:
// on a busy machine it fails tests whose code is right. Instead, a test
// waits until shortly before the test binary's own deadline (go test
// -timeout), so that a slow machine fails nothing and code that never gets
// there still fails with the test's message instead of the binary's panic.
package eventually

import (
	"testing"
	"time"
)

// margin is how long before the binary's deadline waiting stops, leaving
// time to report the failure and run the test's cleanups: 20 s, or a
// tenth of the time left when that is shorter (go test -timeout 30s).
const margin = 20 * time.Second

// poll is how often a condition is asked again.
const poll = 10 * time.Millisecond

// Deadline is when t stops waiting: margin before the binary's deadline,
// or an hour from now when it has none (go test -timeout 0). After one
// wait has failed, the waits after it in the same binary have little time
// left: read the first failure.
func Deadline(t testing.TB) time.Time {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if at, ok := d.Deadline(); ok {
			return at.Add(-min(margin, time.Until(at)/10))
		}
	}
	return time.Now().Add(time.Hour)
}

// True waits until cond holds and returns how long that took; the test
// fails, saying what it waited for, when cond still does not hold at
// Deadline.
func True(t testing.TB, what string, cond func() bool) time.Duration {
	t.Helper()
	start, deadline := time.Now(), Deadline(t)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; it never happened", time.Since(start).Round(time.Second), what)
		}
		time.Sleep(poll)
	}
	return time.Since(start)
}
