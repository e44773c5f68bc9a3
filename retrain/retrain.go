// Package retrain keeps the live model fresh: it runs the training path
// on a schedule, on one replica at a time. Replicas share a lock (taken
// with a token and a lease, renewed while training, released only by its
// holder, expiring if the holder dies) and the time the last scheduled
// training began, so that however many replicas check, one trains per
// interval. Training runs beside the request path, which only ever reads
// the live model; a training that fails leaves the live model as it was.
package retrain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Store holds the lock and the time of the last scheduled training,
// shared by every replica. Implemented by redisstore.Store.
type Store interface {
	// TryLock takes lock name for ttl under token if no one holds it.
	TryLock(ctx context.Context, name, token string, ttl time.Duration) (bool, error)
	// ExtendLock renews the lease if token still holds the lock.
	ExtendLock(ctx context.Context, name, token string, ttl time.Duration) (bool, error)
	// Unlock releases the lock if token holds it.
	Unlock(ctx context.Context, name, token string) (bool, error)
	// LastTraining is when the last scheduled training began (zero: never).
	LastTraining(ctx context.Context) (time.Time, error)
	// MarkTraining records that a scheduled training began at t.
	MarkTraining(ctx context.Context, t time.Time) error
}

// LockName is the name of the training lock.
const LockName = "train"

// DefaultLease is how long the lock is held without renewal: a replica
// that dies while training holds it at most this long.
const DefaultLease = 30 * time.Second

// Config of a Scheduler.
type Config struct {
	// Every is the interval: a replica trains when the last scheduled
	// training began, and the model it serves was read, at least Every ago.
	Every time.Duration
	// Lease is the lock's time to live, renewed every Lease/3 while
	// training (default DefaultLease).
	Lease time.Duration
	// Check is how often Run looks whether training is due (default
	// Every/10, at most a minute, at least a second).
	Check time.Duration
	// Fresh returns when the data of the model this replica serves was
	// read (zero when it has none): a model read less than Every ago makes
	// training not due, so that a server that just trained its first model
	// does not train again at once.
	Fresh func() time.Time
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Token identifies this replica's hold on the lock (default random).
	Token string
}

// Outcome is what one check did.
type Outcome string

// Outcomes of Tick.
const (
	Trained Outcome = "trained" // this replica trained and published
	Failed  Outcome = "failed"  // training was due and did not succeed (the live model stays)
	NotDue  Outcome = "not_due" // the model is younger than the interval
	Busy    Outcome = "busy"    // another replica holds the lock
)

// ErrLostLock: the lease could not be renewed (another replica holds the
// lock, or the store was unreachable for a whole lease), so training was
// cancelled before it published.
var ErrLostLock = errors.New("retrain: the training lock was lost")

// Scheduler runs a training function on schedule.
type Scheduler struct {
	store Store
	train func(context.Context) error
	cfg   Config
}

// New returns a scheduler that runs train when due. train is the training
// path (read the store, fit, publish); it must publish only on success and
// stop when its context ends.
func New(store Store, train func(context.Context) error, cfg Config) (*Scheduler, error) {
	if cfg.Every <= 0 {
		return nil, fmt.Errorf("retrain: the interval must be positive, got %s", cfg.Every)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Check <= 0 {
		cfg.Check = min(max(cfg.Every/10, time.Second), time.Minute)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Fresh == nil {
		cfg.Fresh = func() time.Time { return time.Time{} }
	}
	if cfg.Token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cfg.Token = hex.EncodeToString(b)
	}
	return &Scheduler{store: store, train: train, cfg: cfg}, nil
}

// Run checks every Config.Check until ctx ends; report receives what each
// check did (and the error of a failed one).
func (s *Scheduler) Run(ctx context.Context, report func(Outcome, error)) {
	t := time.NewTicker(s.cfg.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o, err := s.Tick(ctx)
			if ctx.Err() == nil {
				report(o, err)
			}
		}
	}
}

// Tick trains if training is due and no other replica holds the lock. It
// runs the training on the caller's goroutine.
func (s *Scheduler) Tick(ctx context.Context) (Outcome, error) {
	if due, err := s.due(ctx); err != nil || !due {
		return outcome(NotDue, err)
	}
	ok, err := s.store.TryLock(ctx, LockName, s.cfg.Token, s.cfg.Lease)
	if err != nil {
		return Failed, fmt.Errorf("taking the training lock: %w", err)
	}
	if !ok {
		return Busy, nil
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = s.store.Unlock(uctx, LockName, s.cfg.Token) // else it expires after the lease
	}()
	if due, err := s.due(ctx); err != nil || !due { // another replica trained meanwhile
		return outcome(NotDue, err)
	}
	if err := s.store.MarkTraining(ctx, s.cfg.Now()); err != nil {
		return Failed, fmt.Errorf("recording the training: %w", err)
	}
	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.renew(tctx, cancel)
	err = s.train(tctx)
	stop()
	if cause := context.Cause(tctx); err != nil && errors.Is(cause, ErrLostLock) {
		err = fmt.Errorf("%w: %w", ErrLostLock, err)
	}
	if err != nil {
		return Failed, err
	}
	return Trained, nil
}

func outcome(o Outcome, err error) (Outcome, error) {
	if err != nil {
		return Failed, err
	}
	return o, nil
}

// due reports whether both the last scheduled training and the model this
// replica serves are at least an interval old.
func (s *Scheduler) due(ctx context.Context) (bool, error) {
	last, err := s.store.LastTraining(ctx)
	if err != nil {
		return false, fmt.Errorf("reading when the last training began: %w", err)
	}
	if f := s.cfg.Fresh(); f.After(last) {
		last = f
	}
	return last.IsZero() || s.cfg.Now().Sub(last) >= s.cfg.Every, nil
}

// renew extends the lease every Lease/3 until stop is called; when the
// lock is no longer this replica's, or cannot be renewed for a whole
// lease, it cancels the training with ErrLostLock.
func (s *Scheduler) renew(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.cfg.Lease / 3)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			ok, err := s.store.ExtendLock(ctx, LockName, s.cfg.Token, s.cfg.Lease)
			switch {
			case err == nil && ok:
				renewed = time.Now()
			case err == nil, time.Since(renewed) >= s.cfg.Lease:
				cancel(ErrLostLock)
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
