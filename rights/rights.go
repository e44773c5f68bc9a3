// Package rights owns what a customer may do about their own data: export
// it (GDPR art. 15/20), erase it (art. 17) and give feedback that changes
// what is recommended.
package rights

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Store is what rights need from storage. Implemented by redisstore.Store.
type Store interface {
	// Export returns every stored feature set, feedback, contact and decision.
	Export(ctx context.Context, id string) (*features.Export, error)
	// Erase deletes every key of the customer atomically and records a
	// receipt under a salted hash; it returns deleted keys per kind.
	Erase(ctx context.Context, id string, now time.Time) (map[string]int, error)
	AddFeedback(ctx context.Context, id string, fb features.Feedback, now time.Time) error
	// Allow counts one use of action and reports whether it is within limit per window.
	Allow(ctx context.Context, id, action string, limit int, window time.Duration) (bool, error)
}

// Decisions lists the decisions stored for a customer as they were shown,
// oldest first. Implemented by recommend.Service, which reads them with
// the live catalog.
type Decisions interface {
	DecisionsOf(ctx context.Context, customerID string) ([]json.RawMessage, error)
}

// Limits on export and erasure requests per customer.
const (
	RateLimit  = 10
	RateWindow = time.Hour
)

// Service carries out customers' rights.
type Service struct {
	store       Store
	consent     *consent.Service
	now         func() time.Time
	afterErase  func(id string, at time.Time)
	modelMaxAge time.Duration
	decisions   Decisions
}

// NewService returns the rights service.
func NewService(store Store, cs *consent.Service) *Service {
	return &Service{store: store, consent: cs, now: time.Now}
}

// AfterErase sets what runs after each successful erasure, with the
// customer and the erasure time: the server uses it to drop that
// customer's decision records still queued for writing, and to sweep
// once more for one already in flight.
func (s *Service) AfterErase(fn func(id string, at time.Time)) { s.afterErase = fn }

// UseDecisions sets where the export reads the customer's decisions; without
// it the export holds the store's (none).
func (s *Service) UseDecisions(d Decisions) { s.decisions = d }

// ModelsWithin states the bound the server keeps on models: no model
// whose data was read longer than maxAge ago is served or kept, so an
// erasure's receipt can say by when the data leaves every model.
func (s *Service) ModelsWithin(maxAge time.Duration) { s.modelMaxAge = maxAge }

// Document is the export: everything Candor holds about one customer.
type Document struct {
	CustomerID  string           `json:"customer_id"`
	GeneratedAt time.Time        `json:"generated_at"`
	Consent     []consent.Record `json:"-"`
	History     consent.History  `json:"-"`
	Data        *features.Export `json:"-"`
}

// Export gathers the customer's consent, its log and all stored data.
func (s *Service) Export(ctx context.Context, id string) (*Document, error) {
	if err := s.limit(ctx, id, "export"); err != nil {
		return nil, err
	}
	v, err := s.consent.Get(ctx, id, false)
	if err != nil {
		return nil, err
	}
	h, err := s.consent.History(ctx, id)
	if err != nil {
		return nil, err
	}
	data, err := s.store.Export(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.decisions != nil {
		if data.Decisions, err = s.decisions.DecisionsOf(ctx, id); err != nil {
			return nil, err
		}
	}
	doc := &Document{CustomerID: id, GeneratedAt: s.now().UTC(), History: h, Data: data}
	for _, e := range v.Decision.Scopes {
		if e.Record != nil {
			doc.Consent = append(doc.Consent, *e.Record)
		}
	}
	return doc, nil
}

// Receipt proves an erasure. ModelsBy, when the server bounds the age of
// its models, is when the customer's data has left every model.
type Receipt struct {
	CustomerID string         `json:"customer_id"`
	ErasedAt   time.Time      `json:"erased_at"`
	Deleted    map[string]int `json:"deleted_keys"`
	Models     string         `json:"models"`
	ModelsBy   *time.Time     `json:"models_by,omitempty"`
}

// Erase deletes everything the customer has in the store.
func (s *Service) Erase(ctx context.Context, id string) (Receipt, error) {
	if err := s.limit(ctx, id, "erase"); err != nil {
		return Receipt{}, err
	}
	now := s.now().UTC()
	counts, err := s.store.Erase(ctx, id, now)
	if err != nil {
		return Receipt{}, err
	}
	if s.afterErase != nil {
		s.afterErase(id, now)
	}
	r := Receipt{CustomerID: id, ErasedAt: now, Deleted: counts,
		Models: "Models are trained only from the store, so this customer's data leaves the recommendation model at its next training."}
	if s.modelMaxAge > 0 {
		by := now.Add(s.modelMaxAge).Add(time.Second - 1).Truncate(time.Second) // rounded up: a bound
		r.ModelsBy = &by
		r.Models = "Your data leaves every model by " + by.Format(time.RFC3339) + ": models are trained only from the store, which no longer holds it, and no model whose data is older than " + days(s.modelMaxAge) + " is used or kept."
	}
	return r, nil
}

// Feedback records feedback; it takes effect on the next request.
func (s *Service) Feedback(ctx context.Context, id string, fb features.Feedback) error {
	if err := fb.Validate(); err != nil {
		return err
	}
	return s.store.AddFeedback(ctx, id, fb, s.now())
}

func (s *Service) limit(ctx context.Context, id, action string) error {
	ok, err := s.store.Allow(ctx, id, action, RateLimit, RateWindow)
	if err != nil {
		return err
	}
	if !ok {
		return candor.Errorf(candor.ERateLimited, "At most %d %s requests per hour; try again later.", RateLimit, action)
	}
	return nil
}

// days is a duration for people: "7 days", "36 hours", "90 minutes".
func days(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d.Round(time.Minute)/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
