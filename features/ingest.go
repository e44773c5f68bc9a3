package features

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// Outcome of one event in a batch.
type Outcome struct {
	Status  string `json:"status"`            // stored | dropped | invalid
	Reason  string `json:"reason,omitempty"`  // why dropped: a consent reason, "anonymous", "no_feature_set", "older_than_retention"
	Message string `json:"message,omitempty"` // why invalid
	Set     string `json:"set,omitempty"`     // the feature set it fed
	// Repeat marks a stored event that had been stored before (its event
	// ID seen): nothing changed. The API answers it as stored.
	Repeat bool `json:"-"`
}

// Outcome statuses.
const (
	Stored  = "stored"
	Dropped = "dropped"
	Invalid = "invalid"
)

// Drop reasons that are not consent reasons.
const (
	ReasonAnonymous    = "anonymous"      // anonymous visitors have no stored features
	ReasonNoFeatureSet = "no_feature_set" // the event feeds no set (e.g. an impression of an item)
	// ReasonRetention: the event is older than its feature set's retention
	// (--retention), so it is already past what Candor keeps.
	ReasonRetention = "older_than_retention"
)

// MaxBatch is the most events one POST /v1/events may carry.
const MaxBatch = 1000

// MaxFuture is how far in the future an event time may be (clock skew).
const MaxFuture = 24 * time.Hour

// ItemLookup tells whether an item exists and whether it is sensitive.
type ItemLookup func(id string) (exists, sensitive bool)

// Route returns the feature set an event feeds and the member to store, or
// ok=false when it feeds none. Sensitive items always go to the sensitive
// set, whatever the event type.
func Route(ev *Event, sensitive bool) (set consent.Scope, ok bool) {
	switch ev.Type {
	case View, Search, AddToCart, Click:
		set = consent.Browsing
	case Purchase, Rating:
		set = consent.Purchases
	default:
		return "", false
	}
	if ev.ItemID == "" {
		return "", false
	}
	if sensitive {
		set = consent.Sensitive
	}
	return set, true
}

// Validate checks one event against the rules of POST /v1/events and fills
// a missing time with now. It returns an EInvalid error with a message a
// person can act on.
func Validate(ev *Event, now time.Time, items ItemLookup) error {
	if (ev.CustomerID == "") == (ev.AnonymousID == "") {
		return candor.Errorf(candor.EInvalid, "exactly one of customer_id and anonymous_id must be set")
	}
	if err := candor.ValidateID("customer_id", ev.CustomerID+ev.AnonymousID); err != nil {
		return err
	}
	if ev.EventID != "" {
		if err := candor.ValidateID("event_id", ev.EventID); err != nil {
			return err
		}
	}
	if err := validateType(ev); err != nil {
		return err
	}
	if ev.Time.IsZero() {
		ev.Time = now
	}
	if ev.Time.After(now.Add(MaxFuture)) {
		return candor.Errorf(candor.EInvalid, "ts %s is more than 24 h in the future", ev.Time.Format(time.RFC3339))
	}
	if ev.Time.Unix() < 0 {
		return candor.Errorf(candor.EInvalid, "ts %s is before 1970", ev.Time.Format(time.RFC3339))
	}
	return validateItem(ev, items)
}

var validTypes = []EventType{View, Search, AddToCart, Purchase, Rating, Impression, Click, Dismiss}

func validateType(ev *Event) error {
	for _, t := range validTypes {
		if ev.Type == t {
			if t == Rating && (ev.Value < 0.5 || ev.Value > 5) {
				return candor.Errorf(candor.EInvalid, "a rating needs value between 0.5 and 5, got %g", ev.Value)
			}
			return nil
		}
	}
	names := make([]string, len(validTypes))
	for i, t := range validTypes {
		names[i] = string(t)
	}
	return candor.Errorf(candor.EInvalid, "unknown event type %q: use one of %s", ev.Type, strings.Join(names, ", "))
}

func validateItem(ev *Event, items ItemLookup) error {
	if err := validateAction(ev); err != nil {
		return err
	}
	needsItem := ev.ActionID == "" || !isContact(ev.Type)
	if ev.ItemID == "" {
		if needsItem {
			return candor.Errorf(candor.EInvalid, "a %s event needs item_id", ev.Type)
		}
		return nil
	}
	if err := candor.ValidateID("item_id", ev.ItemID); err != nil {
		return err
	}
	if exists, _ := items(ev.ItemID); !exists {
		return candor.Errorf(candor.EInvalid, "item_id %q is not in the catalog", ev.ItemID)
	}
	return nil
}

// validateAction checks action_id and channel: a channel names where an
// action was delivered, so it needs an action_id and a channel scope.
func validateAction(ev *Event) error {
	if ev.ActionID != "" {
		if err := candor.ValidateID("action_id", ev.ActionID); err != nil {
			return err
		}
	}
	if ev.Channel == "" {
		return nil
	}
	if ev.ActionID == "" || !isContact(ev.Type) {
		return candor.Errorf(candor.EInvalid, "channel is only for impression, click and dismiss events of an action (with action_id)")
	}
	if !slices.Contains(consent.Channels, consent.Scope(ev.Channel)) {
		return candor.Errorf(candor.EInvalid, "unknown channel %q: use one of onsite, email, sms, push", ev.Channel)
	}
	return nil
}

// String describes an outcome for logs.
func (o Outcome) String() string { return fmt.Sprintf("%s %s%s", o.Status, o.Reason, o.Message) }

// isContact reports whether an event type records a delivered action.
func isContact(t EventType) bool { return t == Impression || t == Click || t == Dismiss }
