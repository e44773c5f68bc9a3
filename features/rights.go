package features

import (
	"encoding/json"
	"strings"
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

// Export is everything Candor holds about one customer (GDPR art. 15/20).
type Export struct {
	Sets      map[string]any    `json:"feature_sets"` // set → interactions or profile fields
	Feedback  map[string]string `json:"feedback"`
	Contacts  []Contact         `json:"contacts"`
	Decisions []json.RawMessage `json:"decisions"`
}
