// Package rules owns the marketers' rulesets: their JSON schema, the
// conditions written in expr-lang/expr and compiled once at validation
// time, the limits and budgets that bound what a condition may cost (when
// compiled, when run, per request, and estimated at publish), the guard
// rails (consent-gated customer facts, no targeting with sensitive data),
// and applying a ruleset to scored candidates. Drafts, versions, the live
// pointer and the audit trail are the shared versioned mechanism's.
package rules

import (
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

// Ruleset is a named, versioned list of rules. Version, CreatedAt and
// Author are set by the Service: a draft has Version 0, a published
// version is immutable.
type Ruleset struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Rules     []Rule    `json:"rules"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Author    string    `json:"author,omitempty"`
}

// Rule is one marketer's rule: when it applies (schedule, placements,
// condition) and what it does (Action).
type Rule struct {
	ID          string     `json:"id"`
	Description string     `json:"description,omitempty"`
	From        *time.Time `json:"from,omitempty"`  // applies from this instant (inclusive)
	Until       *time.Time `json:"until,omitempty"` // up to this instant (exclusive)
	Placements  []string   `json:"placements,omitempty"`
	When        string     `json:"when,omitempty"` // an expr condition; empty matches every item
	Action      Action     `json:"action"`
}

// Action is what a rule does to the candidates its condition matches.
// Which fields apply depends on Type; Validate rejects the others.
type Action struct {
	Type     string  `json:"type"`               // one of the Action* constants
	Factor   float64 `json:"factor,omitempty"`   // boost: >1, bury: (0,1); multiplies the score
	Add      float64 `json:"add,omitempty"`      // boost: >0, bury: <0; added to the score
	Slot     int     `json:"slot,omitempty"`     // pin: 1-based position
	ItemID   string  `json:"item_id,omitempty"`  // pin: this item rather than the best match
	Lookback string  `json:"lookback,omitempty"` // exclude_purchased: "720h", "30d"; empty = any kept purchase
	Max      int     `json:"max,omitempty"`      // diversity: per Field value; limit: matching items kept
	Field    string  `json:"field,omitempty"`    // diversity: "category" (top level) or "brand"
}

// Action types.
const (
	ActionFilter           = "filter"
	ActionBoost            = "boost"
	ActionBury             = "bury"
	ActionPin              = "pin"
	ActionExcludePurchased = "exclude_purchased"
	ActionDiversity        = "diversity"
	ActionLimit            = "limit"
)

// ActionTypes lists the action types in documentation order.
var ActionTypes = []string{ActionFilter, ActionBoost, ActionBury, ActionPin, ActionExcludePurchased, ActionDiversity, ActionLimit}

// Placements are where rules can apply; an empty Rule.Placements means all.
var Placements = []string{"home", "product", "cart", "email"}

// Decode reads one JSON ruleset, rejecting unknown fields, trailing data
// and bodies over MaxDecodeBytes. Errors are EInvalid and name the field
// or byte offset. It checks the shape only; Validate checks the meaning.
func Decode(b []byte) (Ruleset, error) {
	var rs Ruleset
	if err := versioned.DecodeStrict(b, "ruleset", MaxDecodeBytes, &rs); err != nil {
		return Ruleset{}, err
	}
	if len(rs.Rules) > MaxRules {
		return Ruleset{}, candor.Errorf(candor.EInvalid, "a ruleset may hold at most %d rules, got %d", MaxRules, len(rs.Rules))
	}
	return rs, nil
}

// clip shortens s for a message.
var clip = versioned.Clip
