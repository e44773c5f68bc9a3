// Package rules owns the marketers' rulesets: their JSON schema, the
// conditions written in expr-lang/expr and compiled once at validation
// time, the guard rails (consent-gated customer facts, no targeting with
// sensitive data), applying a ruleset to scored candidates, and the
// versions, live pointer and audit trail of published rulesets.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/candorhq/candor"
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

// Limits on a ruleset, so that one stays cheap to store, compile and apply.
const (
	MaxRules       = 200     // rules per ruleset
	MaxWhenLen     = 2000    // bytes of one condition
	MaxDescription = 500     // bytes of one description
	MaxDecodeBytes = 1 << 20 // bytes of one JSON ruleset
	MaxSlot        = 100     // highest pin slot (recommend.MaxN)
	MaxFactor      = 100     // largest boost factor
	MaxAdd         = 1e6     // largest absolute score addition
)

// Decode reads one JSON ruleset, rejecting unknown fields, trailing data
// and bodies over MaxDecodeBytes. Errors are EInvalid and name the field
// or byte offset. It checks the shape only; Validate checks the meaning.
func Decode(b []byte) (Ruleset, error) {
	var rs Ruleset
	if err := DecodeStrict(b, "ruleset", MaxDecodeBytes, &rs); err != nil {
		return Ruleset{}, err
	}
	if len(rs.Rules) > MaxRules {
		return Ruleset{}, candor.Errorf(candor.EInvalid, "a ruleset may hold at most %d rules, got %d", MaxRules, len(rs.Rules))
	}
	return rs, nil
}

// DecodeStrict decodes one JSON document that marketers publish (what
// names it in messages: "ruleset", "action catalog") into v, rejecting
// bodies over max bytes, unknown fields and trailing data. Errors are
// EInvalid with a client-safe message naming the field or byte offset.
func DecodeStrict(b []byte, what string, max int, v any) error {
	if len(b) > max {
		return candor.Errorf(candor.EInvalid, "the %s may be at most %d bytes", what, max)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return candor.Errorf(candor.EInvalid, "%s JSON has data after the closing brace", what)
	}
	return nil
}

// decodeError turns encoding/json errors into client-safe messages.
func decodeError(what string, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		tim *time.ParseError
	)
	switch {
	case errors.As(err, &syn):
		return candor.Errorf(candor.EInvalid, "%s is not valid JSON at byte %d: %s", what, syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return candor.Errorf(candor.EInvalid, "%s field %s must be a %s, got %s", what, typ.Field, typ.Type, typ.Value)
	case errors.As(err, &tim):
		return candor.Errorf(candor.EInvalid, "%s has a time that is not RFC 3339 (e.g. 2026-12-01T00:00:00Z): %q", what, clip(tim.Value))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return candor.Errorf(candor.EInvalid, "%s JSON is empty or cut short", what)
	}
	return candor.Errorf(candor.EInvalid, "%s JSON: %s", what, clip(err.Error()))
}

// clip shortens s for a message.
func clip(s string) string {
	const n = 200
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
