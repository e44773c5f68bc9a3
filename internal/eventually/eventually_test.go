package eventually

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTrueWaitsForTheCondition(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 5 {
			time.Sleep(poll)
			n.Add(1)
		}
	}()
	True(t, "five ticks", func() bool { return n.Load() == 5 })
	if n.Load() != 5 {
		t.Fatalf("returned with %d ticks", n.Load())
	}
}

// fakeT is a testing.TB with a deadline of its own, whose Fatalf records
// the message and panics to end the wait as the real one's Goexit does.
type fakeT struct {
	testing.TB
	deadline time.Time
	msg      string
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Deadline() (time.Time, bool)       { return f.deadline, true }
func (f *fakeT) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...); panic(f) }

func TestTrueFailsAtTheDeadlineSayingWhat(t *testing.T) {
	f := &fakeT{deadline: time.Now().Add(300 * time.Millisecond)} // waits until a tenth of that before it
	calls := 0
	func() {
		defer func() {
			if r := recover(); r != f {
				panic(r)
			}
		}()
		True(f, "the replica to reload", func() bool { calls++; return false })
	}()
	if !strings.Contains(f.msg, "for the replica to reload; it never happened") || calls < 2 {
		t.Fatalf("message %q after %d calls; want a failure naming what was awaited, after asking again", f.msg, calls)
	}
}

func TestDeadlineFollowsTheBinarysDeadline(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := Deadline(&fakeT{deadline: at}); !got.Equal(at.Add(-margin)) {
		t.Errorf("Deadline = %v, want %v", got, at.Add(-margin))
	}
	// with little time left (go test -timeout 10s), a tenth of it is kept
	soon := time.Now().Add(10 * time.Second)
	if got := Deadline(&fakeT{deadline: soon}); got.Before(soon.Add(-1100*time.Millisecond)) || !got.Before(soon.Add(-900*time.Millisecond)) {
		t.Errorf("Deadline = %v for a binary's deadline of %v, want about a second before it", got, soon)
	}
}
