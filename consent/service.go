package consent

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
)

// Store keeps consent records and the hash-chained log. Implemented by
// redisstore.Store; the contract suite is consent/consenttest.
type Store interface {
	// Records returns the customer's stored records and the hash of the
	// last log entry (GenesisHash when there is none) and its Seq (0 then).
	Records(ctx context.Context, customerID string) (recs map[Scope]Record, head string, seq int64, err error)
	// Append atomically writes the entries' records, appends the entries to
	// the log and deletes the listed feature sets' data, if and only if the
	// log head is still expectedHead. In the same step, for every feature
	// set an entry denies, it deletes what stored decisions hold of that
	// set (their evidence), whatever purge lists. ok=false means someone
	// else wrote first and nothing was written. shown lists the feature
	// sets an entry denies whose evidence, just before it was deleted,
	// included a decision made within ShownWindow: the customer had been
	// shown recommendations personalized with that set. level is the
	// RecordedLevel of the records once the entries are written: the
	// store keeps it with the records, in the same step, and moves the
	// customer in its count of customers per level from the level kept
	// before (none counted, for a first record) to level, so that writing
	// the same level again counts nothing.
	Append(ctx context.Context, customerID, expectedHead string, entries []Entry, purge []Scope, level string) (ok bool, shown []Scope, err error)
	// Log returns every log entry, oldest first. Entries that do not parse
	// are returned with what could be read, so VerifyChain flags them.
	Log(ctx context.Context, customerID string) ([]Entry, error)
}

// Service is the consent ledger: it reads, changes and proves consent.
type Service struct {
	store    Store
	now      func() time.Time
	live     int
	maxAge   time.Duration
	purge    bool
	onChange atomic.Pointer[func(View)]
}

// Config of the ledger. PolicyVersion is the live policy version (≥ 1);
// MaxAge is how long a grant counts (DefaultMaxAge when zero);
// KeepOnWithdrawal turns off the purge of a feature set's data when its
// consent is withdrawn (purging is the default).
type Config struct {
	PolicyVersion    int
	MaxAge           time.Duration
	KeepOnWithdrawal bool
	Now              func() time.Time
}

// NewService returns the ledger over store.
func NewService(store Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, now: cfg.Now, live: liveVersion(cfg.PolicyVersion), maxAge: cfg.MaxAge, purge: !cfg.KeepOnWithdrawal}
}

// OnChange sets the one function told of every change that was written
// (View.Changed is not empty), on every path: Put, RecordGPC. It is for
// counting; it must be quick and must not call back into the Service. Set
// it before the Service is used (a change written meanwhile may go
// uncounted).
func (s *Service) OnChange(fn func(View)) { s.onChange.Store(&fn) }

// Request returns the evaluation request for now and a GPC signal.
func (s *Service) Request(gpc bool) Request {
	return Request{Now: s.now(), PolicyVersion: s.live, GPC: gpc, MaxAge: s.maxAge}
}

// PolicyVersion returns the live policy version.
func (s *Service) PolicyVersion() int { return s.live }

// View is a customer's consent as shown by the API.
type View struct {
	CustomerID string
	Decision   Decision
	ETag       string // the log head; changes with every write
	Changed    []Record
	// Withdrawn lists the scopes this change denied that were granted
	// before it (a first denial or a repeated one is not a withdrawal).
	Withdrawn []Scope
	// Shown lists the feature sets of Withdrawn that personalized a
	// recommendation the customer was shown within ShownWindow before the
	// change (known from the decisions' evidence the withdrawal deletes;
	// nothing is kept for it).
	Shown []Scope
}

// ShownWindow is how recent a personalized recommendation must be for a
// withdrawal to count as one after being shown it (View.Shown).
const ShownWindow = 7 * 24 * time.Hour

// Get returns the customer's effective consent for a request with gpc.
func (s *Service) Get(ctx context.Context, id string, gpc bool) (View, error) {
	recs, head, _, err := s.store.Records(ctx, id)
	if err != nil {
		return View{}, err
	}
	return View{CustomerID: id, Decision: Evaluate(recs, s.Request(gpc)), ETag: head}, nil
}

// MatchAny is the If-Match value that matches any existing record (RFC
// 9110): the change applies if the customer has consent recorded at all.
const MatchAny = "*"

// Put applies a change. A change that grants sale_share with gpc set is
// refused (EInvalid): the signal is a refusal of exactly that. With
// ifMatch MatchAny, it applies only if some record exists (else
// EConflict). With another ifMatch, the change applies only if the log
// head still equals it (else EConflict and nothing changes); without it, a
// concurrent writer makes Put re-plan and retry until ctx ends. A change
// that alters nothing writes nothing. Withdrawing a feature set purges its
// data in the same atomic write (unless KeepOnWithdrawal). A change with a
// Time (history, see PlanFor) must not be in the future (EInvalid).
func (s *Service) Put(ctx context.Context, id string, ch Change, ifMatch string, gpc bool) (View, error) {
	if err := ch.Validate(s.live); err != nil {
		return View{}, err
	}
	if ch.Time.After(s.now()) {
		return View{}, candor.Errorf(candor.EInvalid, "time %s is in the future", ch.Time.UTC().Format(time.RFC3339))
	}
	if gpc && ch.Scopes[SaleShare] == Granted {
		return View{}, candor.Errorf(candor.EInvalid, "This request carries Sec-GPC: 1, a refusal to have data sold or shared, so it cannot also grant sale_share; send the grant without the signal if that is the customer's choice.")
	}
	for attempt := 0; ; attempt++ {
		v, ok, err := s.tryPut(ctx, id, ch, ifMatch, gpc)
		if err != nil || ok {
			return v, err
		}
		if ifMatch != "" && ifMatch != MatchAny {
			return View{}, candor.Errorf(candor.EConflict, "The consent changed since ETag %q was read; read it again and retry.", ifMatch)
		}
		if err := backoff(ctx, attempt); err != nil {
			return View{}, err
		}
	}
}

func (s *Service) tryPut(ctx context.Context, id string, ch Change, ifMatch string, gpc bool) (View, bool, error) {
	recs, head, seq, err := s.store.Records(ctx, id)
	if err != nil {
		return View{}, false, err
	}
	switch {
	case ifMatch == MatchAny && head == GenesisHash:
		return View{}, false, candor.Errorf(candor.EConflict, "If-Match: * asks for an existing consent record, and this customer has none.")
	case ifMatch != "" && ifMatch != MatchAny && ifMatch != head:
		return View{}, false, nil
	}
	req := s.Request(gpc)
	planned := PlanFor(recs, ch, req)
	if len(planned) == 0 {
		return View{CustomerID: id, Decision: Evaluate(recs, req), ETag: head}, true, nil
	}
	entries := Chain(head, seq+1, planned)
	after := make(map[Scope]Record, len(recs)+len(planned))
	maps.Copy(after, recs)
	for _, r := range planned {
		after[r.Scope] = r
	}
	ok, shown, err := s.store.Append(ctx, id, head, entries, s.purgeFor(planned), RecordedLevel(after))
	if err != nil || !ok {
		return View{}, false, err
	}
	var withdrawn []Scope
	for _, r := range planned {
		if old, ok := recs[r.Scope]; ok && old.State == Granted && r.State == Denied {
			withdrawn = append(withdrawn, r.Scope)
		}
		recs[r.Scope] = r
	}
	v := View{CustomerID: id, Decision: Evaluate(recs, req), ETag: entries[len(entries)-1].Hash, Changed: planned, Withdrawn: withdrawn}
	for _, sc := range shown {
		if slices.Contains(withdrawn, sc) {
			v.Shown = append(v.Shown, sc)
		}
	}
	if fn := s.onChange.Load(); fn != nil && *fn != nil {
		(*fn)(v)
	}
	return v, true, nil
}

// purgeFor lists the feature sets whose data must go with this change.
func (s *Service) purgeFor(planned []Record) []Scope {
	if !s.purge {
		return nil
	}
	var out []Scope
	for _, r := range planned {
		if r.Scope.IsFeatureSet() && r.State == Denied {
			out = append(out, r.Scope)
		}
	}
	return out
}

// RecordGPC writes the sale_share denial a GPC signal implies, the first
// time it is seen (PlanFor makes it a no-op afterwards). It reports whether
// a record was written.
func (s *Service) RecordGPC(ctx context.Context, id string) (bool, error) {
	v, err := s.Put(ctx, id, GPCChange(), "", true)
	return len(v.Changed) > 0, err
}

// History is the customer's consent log with its verification.
type History struct {
	Entries    []Entry
	ChainValid bool
	FirstBad   int // index of the first bad entry, -1 when valid
}

// History returns the log, verified on read.
func (s *Service) History(ctx context.Context, id string) (History, error) {
	entries, err := s.store.Log(ctx, id)
	if err != nil {
		return History{}, err
	}
	ok, bad := VerifyChain(entries)
	return History{Entries: entries, ChainValid: ok, FirstBad: bad}, nil
}

// backoff sleeps with jitter before retry attempt+1, or returns when ctx ends.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(1+rand.IntN(1<<min(attempt, 6))) * time.Millisecond
	select {
	case <-ctx.Done():
		return candor.Errorf(candor.EUnavailable, "Too many concurrent consent changes for this customer; try again.")
	case <-time.After(d):
		return nil
	}
}
