// Package actions owns next-best-actions: the marketers' action catalog
// (versioned and audited like rulesets), eligibility conditions in the
// rules' expression language, per-channel contact policies, and the
// arbitration that picks, for one customer and channel, the consented,
// eligible, uncapped actions worth more than a threshold, each with an
// exact explanation of its score.
package actions

import (
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/versioned"
)

// Type is the kind of an action.
type Type string

// Action types.
const (
	TypeOffer          Type = "offer"          // a discount, a voucher
	TypeContent        Type = "content"        // an article, a guide
	TypeService        Type = "service"        // a service message: renewal, delivery, help
	TypeRecommendation Type = "recommendation" // a product recommendation slot
)

// Types lists the action types in documentation order.
var Types = []Type{TypeOffer, TypeContent, TypeService, TypeRecommendation}

// Action is one thing the business can do for a customer. Validate checks
// every field; Engine.Decide uses only validated actions.
type Action struct {
	ID         string          `json:"id"` // [A-Za-z0-9._@-], no ':' (contacts use it as separator)
	Name       string          `json:"name"`
	Type       Type            `json:"type"`
	Channels   []consent.Scope `json:"channels"`       // onsite, email, sms, push; the first is its main channel
	When       string          `json:"when,omitempty"` // eligibility condition; empty is always eligible
	Value      float64         `json:"value"`          // e.g. margin or expected revenue, > 0
	Weight     float64         `json:"weight,omitempty"`
	From       *time.Time      `json:"from,omitempty"`  // valid from this instant (inclusive)
	Until      *time.Time      `json:"until,omitempty"` // up to this instant (exclusive)
	Caps       Caps            `json:"caps,omitzero"`
	Items      []string        `json:"items,omitempty"`    // items it promotes: model affinity
	Category   string          `json:"category,omitempty"` // top-level category it promotes
	SharesData bool            `json:"shares_data,omitempty"`
}

// Caps bound how often one customer gets one action. Durations are Go
// durations ("168h") or days ("7d").
type Caps struct {
	MaxPer               int    `json:"max_per,omitempty"` // impressions per Period; 0 is no cap
	Period               string `json:"period,omitempty"`
	CooldownAfterDismiss string `json:"cooldown_after_dismiss,omitempty"` // no action again this long after a dismiss
}

// EffectiveWeight returns Weight, or 1 when it is unset.
func (a *Action) EffectiveWeight() float64 {
	if a.Weight == 0 {
		return 1
	}
	return a.Weight
}

// Catalog is the action catalog: what PUT /v1/actions sends and what a
// published version holds. Version, CreatedAt and Author are set by the
// Service: a draft has Version 0, a published version is immutable.
type Catalog struct {
	Version   int       `json:"version"`
	Actions   []Action  `json:"actions"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Author    string    `json:"author,omitempty"`
}

// Limits on a catalog, so that one stays cheap to store, compile and run.
const (
	MaxActions     = 500     // actions per catalog
	MaxNameLen     = 200     // bytes of an action's name
	MaxItems       = 100     // items one action promotes
	MaxValue       = 1e6     // largest value
	MaxWeight      = 100     // largest weight
	MaxCapPer      = 1000    // largest caps.max_per
	MaxDecodeBytes = 1 << 20 // bytes of one JSON catalog
)

// Decode reads one JSON catalog, rejecting unknown fields, trailing data
// and bodies over MaxDecodeBytes. Errors are EInvalid and name the field
// or byte offset. It checks the shape only; Validate checks the meaning.
func Decode(b []byte) (Catalog, error) {
	var c Catalog
	if err := versioned.DecodeStrict(b, "action catalog", MaxDecodeBytes, &c); err != nil {
		return Catalog{}, err
	}
	if len(c.Actions) > MaxActions {
		return Catalog{}, candor.Errorf(candor.EInvalid, "an action catalog may hold at most %d actions, got %d", MaxActions, len(c.Actions))
	}
	return c, nil
}

// clip shortens s for a message.
var clip = versioned.Clip
