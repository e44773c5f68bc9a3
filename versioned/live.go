package versioned

import (
	"context"
	"sync"
	"sync/atomic"
)

// Live holds the compiled live version C of one document for a server.
// Requests Load it without locks; Reload swaps in a newly published
// version whole, so each request is served by exactly one version. Call
// Reload at start, on every notice of the document's kind, and on a timer
// (a notice sent while disconnected is lost).
type Live[D, C any] struct {
	opts LiveOptions[D, C]
	cur  atomic.Pointer[C]
	mu   sync.Mutex
}

// LiveOptions are what a Live holder needs to know of its document.
type LiveOptions[D, C any] struct {
	// Load reads the live version (Service.Live); ENotFound when none.
	Load func(ctx context.Context) (D, error)
	// Version returns the version of a document and of a compiled one.
	Version         func(D) int
	CompiledVersion func(*C) int
	// Compile compiles what Load returned: the document, or on ENotFound
	// what a server holds before the first publish.
	Compile func(d D, err error) (*C, error)
	// Prepare, when set, is called with a newly compiled version before it
	// is swapped in, so that the first requests it serves find it ready
	// (rulesets warm their item facts).
	Prepare func(*C)
}

// NewLive returns a holder of the live version that holds initial until
// the first Reload.
func NewLive[D, C any](initial *C, opts LiveOptions[D, C]) *Live[D, C] {
	l := &Live[D, C]{opts: opts}
	l.cur.Store(initial)
	return l
}

// Load returns the current version; never nil.
func (l *Live[D, C]) Load() *C { return l.cur.Load() }

// Reload reads the live version and swaps it in when it differs from the
// one held. On error the held version stays.
func (l *Live[D, C]) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, err := l.opts.Load(ctx)
	if err == nil && l.opts.Version(d) == l.opts.CompiledVersion(l.Load()) {
		return nil
	}
	c, err := l.opts.Compile(d, err)
	if err != nil {
		return err
	}
	if l.opts.Prepare != nil {
		l.opts.Prepare(c)
	}
	l.cur.Store(c)
	return nil
}
