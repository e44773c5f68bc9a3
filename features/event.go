// Package features owns what Candor knows about a customer: the feature sets,
// the events that feed them, the collection-time consent gate and retention.
package features

import "time"

// EventType names what a visitor did.
type EventType string

// Event types accepted by POST /v1/events.
const (
	View       EventType = "view"
	Search     EventType = "search"
	AddToCart  EventType = "add_to_cart"
	Purchase   EventType = "purchase"
	Rating     EventType = "rating"
	Impression EventType = "impression"
	Click      EventType = "click"
	Dismiss    EventType = "dismiss" // a next-best-action closed by the customer
)

// Event is one interaction reported by a site. Exactly one of CustomerID and
// AnonymousID is set.
type Event struct {
	// EventID, when set, makes the event idempotent: an event whose ID was
	// already stored for its feature set (or contacts) within the set's
	// retention is a no-op, so a client may retry a batch safely.
	EventID     string            `json:"event_id,omitempty"`
	CustomerID  string            `json:"customer_id,omitempty"`
	AnonymousID string            `json:"anonymous_id,omitempty"`
	Type        EventType         `json:"type"`
	ItemID      string            `json:"item_id,omitempty"`
	ActionID    string            `json:"action_id,omitempty"` // impressions/clicks/dismissals of next-best-actions
	Channel     string            `json:"channel,omitempty"`   // with action_id: onsite, email, sms or push it was delivered on
	Time        time.Time         `json:"ts"`
	Value       float64           `json:"value,omitempty"` // rating value, quantity, ...
	Context     map[string]string `json:"context,omitempty"`
}
