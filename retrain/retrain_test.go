package retrain_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/retrain"
)

const every = time.Hour

// clock is a clock the test moves.
type clock struct{ ms atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ms.Store(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
	return c
}
func (c *clock) Now() time.Time      { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

func replica(t *testing.T, st *redisstore.Store, c *clock, train func(context.Context) error, token string) *retrain.Scheduler {
	t.Helper()
	s, err := retrain.New(st, train, retrain.Config{Every: every, Now: c.Now, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOneReplicaTrainsPerInterval: two replicas check at the same moment
// of every interval, one of them while the other is training; exactly one
// trains each interval, and a check later in the same interval trains
// nothing.
func TestOneReplicaTrainsPerInterval(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := redisstore.New(db.Client, db.Namespace)
		c := newClock()
		var trainings atomic.Int32
		started, release := make(chan struct{}, 1), make(chan struct{})
		train := func(ctx context.Context) error {
			trainings.Add(1)
			started <- struct{}{}
			<-release // holds the lock while the other replica checks
			return nil
		}
		a, b := replica(t, st, c, train, "a"), replica(t, st, c, train, "b")
		for interval := 1; interval <= 3; interval++ {
			release = make(chan struct{})
			results := make(chan retrain.Outcome, 2)
			for _, r := range []*retrain.Scheduler{a, b} {
				go func() {
					o, err := r.Tick(context.Background())
					if err != nil {
						t.Errorf("tick: %v", err)
					}
					results <- o
				}()
			}
			<-started
			first := <-results // the replica that is not training answers while the other trains
			close(release)
			second := <-results
			if got := []retrain.Outcome{first, second}; got[0] != retrain.Busy && got[0] != retrain.NotDue || got[1] != retrain.Trained {
				t.Errorf("interval %d: outcomes %v, want [busy or not_due, trained]", interval, got)
			}
			if n := trainings.Load(); n != int32(interval) {
				t.Fatalf("interval %d: %d trainings, want %d", interval, n, interval)
			}
			c.Add(every / 2)
			for _, r := range []*retrain.Scheduler{a, b} {
				if o, err := r.Tick(context.Background()); o != retrain.NotDue || err != nil {
					t.Errorf("interval %d, half-way: %s, %v; want not_due", interval, o, err)
				}
			}
			c.Add(every / 2)
		}
	})
}

// TestLockIsReleasedIfTheHolderDies: a replica that took the lock and
// died blocks the others only until the lease ends.
func TestLockIsReleasedIfTheHolderDies(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := redisstore.New(db.Client, db.Namespace)
		ctx := context.Background()
		if ok, err := st.TryLock(ctx, retrain.LockName, "dead", retrain.DefaultLease); !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		var trainings atomic.Int32
		r := replica(t, st, newClock(), func(context.Context) error { trainings.Add(1); return nil }, "alive")
		if o, err := r.Tick(ctx); o != retrain.Busy || err != nil {
			t.Fatalf("while the dead replica's lease runs: %s, %v; want busy", o, err)
		}
		ttl := db.Client.PTTL(ctx, db.Namespace+":lock:"+retrain.LockName).Val()
		if ttl <= 0 || ttl > retrain.DefaultLease {
			t.Fatalf("the lock's time to live is %v, want a lease of at most %v", ttl, retrain.DefaultLease)
		}
		if db.Mini == nil {
			return // on a real Redis the TTL above is the proof; miniredis can skip time
		}
		db.Mini.FastForward(retrain.DefaultLease)
		if o, err := r.Tick(ctx); o != retrain.Trained || err != nil || trainings.Load() != 1 {
			t.Errorf("after the lease: %s, %v (%d trainings); want trained", o, err, trainings.Load())
		}
	})
}

// TestLockNeedsItsToken: only the holder renews or releases the lock.
func TestLockNeedsItsToken(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := redisstore.New(db.Client, db.Namespace)
		ctx := context.Background()
		ok1, _ := st.TryLock(ctx, "x", "a", time.Minute)
		ok2, _ := st.TryLock(ctx, "x", "b", time.Minute)
		ext, _ := st.ExtendLock(ctx, "x", "b", time.Hour)
		rel, _ := st.Unlock(ctx, "x", "b")
		if !ok1 || ok2 || ext || rel {
			t.Errorf("take a %v, take b %v, b extends %v, b releases %v; want only a's take", ok1, ok2, ext, rel)
		}
		if ext, _ := st.ExtendLock(ctx, "x", "a", time.Hour); !ext || db.Client.PTTL(ctx, db.Namespace+":lock:x").Val() <= time.Minute {
			t.Error("the holder could not extend its lease")
		}
		if rel, _ := st.Unlock(ctx, "x", "a"); !rel {
			t.Error("the holder could not release")
		}
		if ok, _ := st.TryLock(ctx, "x", "b", time.Minute); !ok {
			t.Error("a released lock could not be taken")
		}
	})
}

// TestFailedTrainingWaitsForTheNextInterval: a failure is reported, the
// lock released, and the next interval tries again.
func TestFailedTrainingWaitsForTheNextInterval(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := redisstore.New(db.Client, db.Namespace)
		c := newClock()
		fail := errors.New("no interactions to train on")
		var calls atomic.Int32
		r := replica(t, st, c, func(context.Context) error {
			if calls.Add(1) == 1 {
				return fail
			}
			return nil
		}, "a")
		ctx := context.Background()
		if o, err := r.Tick(ctx); o != retrain.Failed || !errors.Is(err, fail) {
			t.Fatalf("first: %s, %v; want failed", o, err)
		}
		if ok, _ := st.TryLock(ctx, retrain.LockName, "probe", time.Second); !ok {
			t.Error("the lock was not released after a failure")
		}
		_, _ = st.Unlock(ctx, retrain.LockName, "probe")
		if o, _ := r.Tick(ctx); o != retrain.NotDue {
			t.Errorf("same interval: %s, want not_due", o)
		}
		c.Add(every)
		if o, err := r.Tick(ctx); o != retrain.Trained || err != nil {
			t.Errorf("next interval: %s, %v; want trained", o, err)
		}
	})
}

// TestFreshModelIsNotRetrained: a server whose model was read less than
// an interval ago does not train, even if no scheduled training ran yet.
func TestFreshModelIsNotRetrained(t *testing.T) {
	db := redistest.New(t)
	st := redisstore.New(db.Client, db.Namespace)
	c := newClock()
	fresh := c.Now().Add(-every / 2)
	r, err := retrain.New(st, func(context.Context) error { t.Error("trained a fresh model"); return nil },
		retrain.Config{Every: every, Now: c.Now, Fresh: func() time.Time { return fresh }})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := r.Tick(context.Background()); o != retrain.NotDue || err != nil {
		t.Errorf("%s, %v; want not_due", o, err)
	}
}

// TestLostLockCancelsTraining: when another replica holds the lock (this
// one's lease ran out), the renewal cancels the training, which fails.
func TestLostLockCancelsTraining(t *testing.T) {
	db := redistest.New(t)
	st := redisstore.New(db.Client, db.Namespace)
	var once sync.Once
	train := func(ctx context.Context) error {
		once.Do(func() { // the lease ran out and another replica took the lock
			_ = db.Client.Set(context.Background(), db.Namespace+":lock:"+retrain.LockName, "other", time.Minute).Err()
		})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(30 * time.Second): // never, unless the renewal is broken
			return nil
		}
	}
	r, err := retrain.New(st, train, retrain.Config{Every: every, Lease: 300 * time.Millisecond, Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := r.Tick(context.Background()); o != retrain.Failed || !errors.Is(err, retrain.ErrLostLock) {
		t.Errorf("%s, %v; want failed with the lost lock", o, err)
	}
	if v := db.Client.Get(context.Background(), db.Namespace+":lock:"+retrain.LockName).Val(); v != "other" {
		t.Errorf("the lock holds %q; the loser must not release the winner's lock", v)
	}
}
