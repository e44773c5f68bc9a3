package features

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorhq/candor"
)

// FeedbackKind is what a customer tells Candor about a recommendation.
type FeedbackKind string

// Feedback kinds accepted by POST /v1/me/feedback.
const (
	NotInterested     FeedbackKind = "not_interested"      // never show this item again
	HideCategory      FeedbackKind = "hide_category"       // never show this category
	RemoveFromHistory FeedbackKind = "remove_from_history" // forget one item of my history
	WrongReason       FeedbackKind = "wrong_reason"        // the explanation was wrong (free text)
)

// MaxFeedbackText bounds the free text of wrong_reason.
const MaxFeedbackText = 500

// Feedback is one piece of customer feedback.
type Feedback struct {
	Kind     FeedbackKind `json:"kind"`
	ItemID   string       `json:"item_id,omitempty"`
	Category string       `json:"category,omitempty"`
	Text     string       `json:"text,omitempty"`
}

// Validate checks feedback from outside.
func (f *Feedback) Validate() error {
	switch f.Kind {
	case NotInterested, RemoveFromHistory:
		return candor.ValidateID("item_id", f.ItemID)
	case HideCategory:
		if f.Category == "" || len(f.Category) > 64 || strings.ContainsAny(f.Category, "\n/") {
			return candor.Errorf(candor.EInvalid, "category must be 1-64 characters without '/'")
		}
		return nil
	case WrongReason:
		if f.ItemID != "" {
			if err := candor.ValidateID("item_id", f.ItemID); err != nil {
				return err
			}
		}
		if n := utf8.RuneCountInString(f.Text); n == 0 || n > MaxFeedbackText || !utf8.ValidString(f.Text) {
			return candor.Errorf(candor.EInvalid, "text must be 1-%d characters", MaxFeedbackText)
		}
		return nil
	}
	return candor.Errorf(candor.EInvalid, "unknown feedback kind %q: use not_interested, hide_category, remove_from_history or wrong_reason", f.Kind)
}

// FeedbackState is the feedback that changes what is recommended.
type FeedbackState struct {
	NotInterested    map[string]bool
	HiddenCategories map[string]bool
}

// Export is everything Candor holds about one customer (GDPR art. 15/20),
// in the documented schema candor-export/1 (see /openapi.json): every
// field snake_case, every stored encoding decoded.
type Export struct {
	// Sets maps each stored feature set to its data: for browsing,
	// purchases and sensitive an []ExportedInteraction, for declared,
	// location and demographics the stated profile (*Declared, *Location,
	// *Demographics).
	Sets      map[string]any    `json:"feature_sets"`
	Feedback  ExportedFeedback  `json:"feedback"`
	Contacts  []ContactRecord   `json:"contacts"`  // delivered actions, oldest first
	Decisions []json.RawMessage `json:"decisions"` // as shown, with the evidence still held
}

// ExportedInteraction is one item of an interaction set.
type ExportedInteraction struct {
	ItemID          string    `json:"item_id"`
	LastInteraction time.Time `json:"last_interaction"`
	Count           int       `json:"count"`
	Rating          float64   `json:"rating,omitempty"` // the latest rating in stars (0.5-5); absent when never rated
}

// ExportOf is the exported form of an interaction.
func ExportOf(in Interaction) ExportedInteraction {
	return ExportedInteraction{ItemID: in.Item, LastInteraction: in.Last.UTC(), Count: in.Count, Rating: in.Rating}
}

// ExportedFeedback is the feedback a customer gave, by kind.
type ExportedFeedback struct {
	NotInterested    []FeedbackNote `json:"not_interested"`    // item_id, at
	HiddenCategories []FeedbackNote `json:"hidden_categories"` // category, at
	WrongReasons     []FeedbackNote `json:"wrong_reasons"`     // item_id (when given), text, at
}

// FeedbackNote is one piece of feedback and when it was given.
type FeedbackNote struct {
	ItemID   string    `json:"item_id,omitempty"`
	Category string    `json:"category,omitempty"`
	Text     string    `json:"text,omitempty"`
	At       time.Time `json:"at"`
}

// NewExportedFeedback returns feedback with every list empty, not null.
func NewExportedFeedback() ExportedFeedback {
	return ExportedFeedback{NotInterested: []FeedbackNote{}, HiddenCategories: []FeedbackNote{}, WrongReasons: []FeedbackNote{}}
}
