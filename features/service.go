package features

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// Store writes feature data under the collection-time consent gate.
// Implemented by redisstore.Store.
type Store interface {
	// Ingest stores routed events whose set is granted now, atomically per
	// customer; it returns per event "" (stored), StoredBefore (its event ID
	// was stored before, or the contact already recorded: nothing changed)
	// or the consent reason.
	Ingest(ctx context.Context, evs []Routed, req consent.Request, ret Retention) ([]string, error)
	// PutProfile replaces a profile set if granted; "" or the reason.
	PutProfile(ctx context.Context, id string, set consent.Scope, fields map[string]string, req consent.Request, ret Retention) (string, error)
}

// Catalog tells whether an item exists and is sensitive.
type Catalog interface {
	Lookup(id string) (exists, sensitive bool)
}

// ActionCatalog tells whether an action is in the live action catalog and
// the channels it is offered on, its main one first (a contact that names
// none was delivered on it). Implemented by *actions.Compiled.
type ActionCatalog interface {
	Channels(id string) ([]consent.Scope, bool)
}

// StoredBefore is what Store.Ingest answers for an event that was stored
// before: a repeated event ID, or a contact already recorded.
const StoredBefore = "="

// Service ingests events and profiles.
type Service struct {
	store     Store
	catalog   func() Catalog
	actions   func() ActionCatalog
	request   func(gpc bool) consent.Request
	retention Retention
	now       func() time.Time
}

// NewService returns the ingestion service. catalog returns the live
// catalog; request builds the consent request for now.
func NewService(store Store, catalog func() Catalog, request func(gpc bool) consent.Request, ret Retention) *Service {
	return &Service{store: store, catalog: catalog, request: request, retention: ret, now: time.Now}
}

// UseActions sets where the live action catalog is read: an impression,
// click or dismissal names an action of it, or is invalid. Without it
// every such event is invalid.
func (s *Service) UseActions(live func() ActionCatalog) { s.actions = live }

// Retention returns the configured retention.
func (s *Service) Retention() Retention { return s.retention }

// Collect validates, routes and stores a batch of events. Valid events are
// stored even when others in the batch are invalid; each gets an outcome.
// An interaction older than its feature set's retention is dropped
// (ReasonRetention): it is past what Candor keeps.
func (s *Service) Collect(ctx context.Context, evs []Event, gpc bool) ([]Outcome, error) {
	return s.collect(ctx, evs, gpc, false)
}

// Replay is Collect for a research dataset replayed with the times it was
// recorded at (MovieLens, for evaluation and experiments): its histories
// are years old, and each set then lasts its retention from the replay,
// as a key does after its last write. A shop's own history goes through
// Collect, API or import alike.
func (s *Service) Replay(ctx context.Context, evs []Event) ([]Outcome, error) {
	return s.collect(ctx, evs, false, true)
}

func (s *Service) collect(ctx context.Context, evs []Event, gpc, past bool) ([]Outcome, error) {
	if len(evs) > MaxBatch {
		return nil, candor.Errorf(candor.EInvalid, "a batch may hold at most %d events, got %d", MaxBatch, len(evs))
	}
	req := s.request(gpc)
	cat := s.catalog()
	out := make([]Outcome, len(evs))
	var routed []Routed
	var pos []int
	for i := range evs {
		r, o, ok := s.route(&evs[i], req.Now, cat, past)
		out[i] = o
		if ok {
			routed, pos = append(routed, r), append(pos, i)
		}
	}
	if len(routed) == 0 {
		return out, nil
	}
	ret := s.retention
	ret.KeepPast = past
	why, err := s.store.Ingest(ctx, routed, req, ret)
	if err != nil {
		return nil, err
	}
	for j, i := range pos {
		out[i].Status = Stored
		switch why[j] {
		case "":
		case StoredBefore:
			out[i].Repeat = true
		default:
			out[i].Status, out[i].Reason = Dropped, why[j]
		}
	}
	return out, nil
}

// route validates one event and decides what to store; past keeps an
// interaction older than its set's retention (Replay).
func (s *Service) route(ev *Event, now time.Time, cat Catalog, past bool) (Routed, Outcome, bool) {
	if err := Validate(ev, now, cat.Lookup); err != nil {
		return Routed{}, Outcome{Status: Invalid, Message: candor.ErrorMessage(err)}, false
	}
	if ev.CustomerID == "" {
		return Routed{}, Outcome{Status: Dropped, Reason: ReasonAnonymous}, false
	}
	if ev.ActionID != "" && isContact(ev.Type) {
		return s.routeContact(ev)
	}
	_, sensitive := cat.Lookup(ev.ItemID)
	set, ok := Route(ev, sensitive)
	if !ok {
		return Routed{}, Outcome{Status: Dropped, Reason: ReasonNoFeatureSet}, false
	}
	if !past && ev.Time.Before(now.Add(-s.retention.TTLOf(set))) {
		return Routed{}, Outcome{Status: Dropped, Reason: ReasonRetention, Set: string(set)}, false
	}
	r := Routed{CustomerID: ev.CustomerID, Set: set, EventID: ev.EventID, Member: ev.ItemID, Time: ev.Time}
	if ev.Type == Rating {
		r.Rating = ev.Value
	}
	return r, Outcome{Set: string(set)}, true
}

// routeContact routes an impression, click or dismissal of an action: the
// action must be in the live catalog, and the contact is gated on the
// channel it names, which must be one the action is offered on, or else
// the action's main channel.
func (s *Service) routeContact(ev *Event) (Routed, Outcome, bool) {
	var channels []consent.Scope
	ok := false
	if s.actions != nil {
		channels, ok = s.actions().Channels(ev.ActionID)
	}
	if !ok || len(channels) == 0 {
		msg := fmt.Sprintf("action_id %q is not in the live action catalog", ev.ActionID)
		return Routed{}, Outcome{Status: Invalid, Message: msg}, false
	}
	ch := consent.Scope(ev.Channel)
	if ch == "" {
		ch = channels[0]
	} else if !slices.Contains(channels, ch) {
		msg := fmt.Sprintf("action %q is not offered on %s; its channels are %s", ev.ActionID, ch, consent.JoinNames(channels))
		return Routed{}, Outcome{Status: Invalid, Message: msg}, false
	}
	member := ContactMember(ev.ActionID, ev.Type, consent.Scope(ev.Channel), ev.Time)
	return Routed{CustomerID: ev.CustomerID, Channel: ch, EventID: ev.EventID, Member: member, Action: ev.ActionID,
		Event: ev.Type, Time: ev.Time}, Outcome{Set: "contacts"}, true
}

// ProfileData is one of *Declared, *Location, *Demographics.
type ProfileData interface {
	Validate() error
	Fields() map[string]string
}

// PutProfile stores a profile set for a customer if the set is granted now.
// Not granted → EForbidden naming the reason; nothing is written.
func (s *Service) PutProfile(ctx context.Context, id string, set consent.Scope, p ProfileData, gpc bool) error {
	if err := candor.ValidateID("customer id", id); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	why, err := s.store.PutProfile(ctx, id, set, p.Fields(), s.request(gpc), s.retention)
	if err != nil {
		return err
	}
	if why != "" {
		return candor.Errorf(candor.EForbidden, "Not stored: the customer's consent for %s is not granted (%s).", set, why)
	}
	return nil
}
