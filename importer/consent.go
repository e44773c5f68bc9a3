package importer

import (
	"context"
	"encoding/json"
	"errors"
	"hash/maphash"
	"io"
	"sync"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// consentLine is one line of a consent file: one answer of one customer,
// at the time it was given.
type consentLine struct {
	Customer      string      `json:"customer"`
	Preset        string      `json:"preset"`
	Scope         string      `json:"scope"`
	State         string      `json:"state"`
	Time          string      `json:"time"`
	Source        string      `json:"source"`
	PolicyVersion json.Number `json:"policy_version"`
	Expires       string      `json:"expires"`
}

var consentSchema = newSchema(consentLine{}, "customer", "time", "source")

// change checks the line as PUT /v1/customers/{id}/consent does, with its
// original time, and returns the customer and the change.
func (l *consentLine) change(now time.Time, live int) (string, consent.Change, error) {
	if err := missing(field{"customer", l.Customer != ""}, field{"time", l.Time != ""}, field{"source", l.Source != ""}); err != nil {
		return "", consent.Change{}, err
	}
	if err := candor.ValidateID("customer", l.Customer); err != nil {
		return "", consent.Change{}, err
	}
	ch := consent.Change{Preset: l.Preset, Source: consent.Source(l.Source)}
	switch {
	case l.Preset != "" && (l.Scope != "" || l.State != ""):
		return "", ch, errors.New("a line has either preset or scope and state, not both")
	case l.Preset == "" && (l.Scope == "" || l.State == ""):
		return "", ch, errors.New("a line needs preset (none, basic or full), or scope and state (granted or denied)")
	case l.Scope != "":
		ch.Scopes = map[consent.Scope]consent.State{consent.Scope(l.Scope): consent.State(l.State)}
	}
	var err error
	if ch.Time, err = parseTime("time", l.Time); err != nil {
		return "", ch, err
	}
	if ch.Expiry, err = parseTime("expires", l.Expires); err != nil {
		return "", ch, err
	}
	if err := notFuture("time", ch.Time, now); err != nil {
		return "", ch, err
	}
	if l.PolicyVersion != "" {
		v, err := wholeNumber("policy_version", l.PolicyVersion, 1, consent.MaxPolicyVersion)
		if err != nil {
			return "", ch, err
		}
		ch.PolicyVersion = int(v)
	}
	return l.Customer, ch, ch.Validate(live)
}

// consentWork is one line to apply.
type consentWork struct {
	line     int
	customer string
	change   consent.Change
}

// consent loads a consent file. Lines are applied in file order per
// customer (a customer's lines all go to the same worker); customers are
// spread over the workers.
func (im *Importer) consent(ctx context.Context, lines *lineSource, o Options, sum *Summary) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queues := make([]chan consentWork, o.Workers)
	var wg sync.WaitGroup
	var done counter
	for i := range queues {
		queues[i] = make(chan consentWork, 256)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range queues[i] {
				if ctx.Err() != nil {
					continue
				}
				if err := im.applyConsent(ctx, w, sum); err != nil {
					cancel(err)
				}
				if n := done.add(1); o.Progress != nil && n%1000 == 0 {
					o.Progress(n)
				}
			}
		}()
	}
	seed := maphash.MakeSeed()
	live := im.deps.Consent.PolicyVersion()
	var err error
	for ctx.Err() == nil {
		var l consentLine
		var n int
		if n, err = lines.next(&l); err != nil {
			break
		}
		id, ch, verr := l.change(im.deps.Now(), live)
		if verr != nil {
			sum.problem(Problem{Line: n, Message: lineMessage(verr)})
			continue
		}
		if o.DryRun {
			sum.count(1, 0, 0)
			continue
		}
		queues[maphash.String(seed, id)%uint64(len(queues))] <- consentWork{line: n, customer: id, change: ch}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if o.Progress != nil {
		o.Progress(done.add(0))
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	if err == io.EOF {
		err = nil
	}
	return err
}

// applyConsent records one line through the consent service: a line that
// changes nothing (already recorded, or older than the stored answer)
// counts as unchanged.
func (im *Importer) applyConsent(ctx context.Context, w consentWork, sum *Summary) error {
	var v consent.View
	err := retry(ctx, func() (err error) {
		v, err = im.deps.Consent.Put(ctx, w.customer, w.change, "", false)
		return err
	})
	switch {
	case candor.ErrorCode(err) == candor.EInvalid:
		sum.problem(Problem{Line: w.line, Message: candor.ErrorMessage(err)})
	case err != nil:
		return &Problem{Line: w.line, Message: "not recorded: " + err.Error()}
	case len(v.Changed) == 0:
		sum.count(0, 1, 0)
	default:
		sum.count(1, 0, len(v.Changed))
	}
	return nil
}

// counter is a progress count shared by workers.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += n
	return c.n
}
