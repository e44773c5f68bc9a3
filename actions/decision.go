package actions

import (
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

// Decision is the outcome of one arbitration. Actions is what the customer
// sees; Suppressed is the marketer's trace and must never reach the
// customer (see ForCustomer).
type Decision struct {
	Channel        consent.Scope `json:"channel"`
	CatalogVersion int           `json:"catalog_version"`
	ModelVersion   string        `json:"model_version,omitempty"`
	Actions        []Chosen      `json:"actions"`             // best first, at most Request.N; never nil
	NoAction       string        `json:"no_action,omitempty"` // why Actions is empty: a None* constant
	UsedSets       []string      `json:"used_sets"`           // personal feature sets the chosen actions used
	Suppressed     []Suppressed  `json:"suppressed,omitempty"`
}

// Chosen is one action shown to the customer. Score is exactly the sum of
// its reasons' contributions, added in the order listed:
//
//	base            = rate × value × weight
//	affinity bonus  = (propensity − rate) × value × weight
//
// where rate is the action's smoothed response rate and propensity blends
// it with the customer's model affinity (see Config.AffinityWeight). The
// bonus is split by its evidence (purchases, browsing, or the category's
// popularity), so score = propensity × value × weight up to rounding and
// exactly the sum of the parts. A product has no additive decomposition
// in logs; this one is exact and each part names its evidence. Reasons of
// kind eligibility contribute 0: they name the feature sets the action's
// condition read.
type Chosen struct {
	ActionID string              `json:"action_id"`
	Name     string              `json:"name"`
	Type     Type                `json:"type"`
	Channel  consent.Scope       `json:"channel"`
	Score    float64             `json:"score"`
	Reasons  []recommend.Reason  `json:"reasons"`
	Controls []recommend.Control `json:"controls"`
	Items    []string            `json:"items,omitempty"`
	Category string              `json:"category,omitempty"`
	Parts    ScoreParts          `json:"score_parts"`
	Contacts Contacts            `json:"contacts"`
}

// ScoreParts are the factors of a chosen action's score as Decide used
// them: Score = Propensity × Value × Weight (up to rounding; the reasons
// sum to Score exactly), where
//
//	Propensity = ResponseRate + AffinityWeight × Affinity × (1 − ResponseRate)
//
// A page that shows "value × response rate × affinity" shows these
// numbers, never its own.
type ScoreParts struct {
	Value          float64 `json:"value"`
	Weight         float64 `json:"weight"`        // Action.EffectiveWeight
	ResponseRate   float64 `json:"response_rate"` // (clicks + PriorClicks) / (impressions + PriorImpressions)
	Impressions    int64   `json:"impressions"`   // observed over all customers when decided
	Clicks         int64   `json:"clicks"`
	Affinity       float64 `json:"affinity"`                // in [0, 1]; 0 when none
	AffinityFrom   string  `json:"affinity_from,omitempty"` // AffinityHistory or AffinityCategory; "" when none
	AffinityWeight float64 `json:"affinity_weight"`         // Config.AffinityWeight
	Propensity     float64 `json:"propensity"`
}

// Where an action's affinity came from.
const (
	AffinityHistory  = "history"  // the customer's granted purchases and browsing, through the model's neighbours
	AffinityCategory = "category" // the popularity of the action's category with all shoppers
)

// Contacts is the contact-policy state an action was chosen under: how
// often the customer had been shown it, and anything on its channel,
// before this decision, beside the limits.
type Contacts struct {
	Shown                int          `json:"shown"`                   // impressions of this action within Cap's period; 0 without a cap
	Cap                  *PeriodLimit `json:"cap,omitempty"`           // caps.max_per per caps.period; nil: no cap
	ChannelShown         int          `json:"channel_shown"`           // impressions on the channel within ChannelLimit's period
	ChannelLimit         *PeriodLimit `json:"channel_limit,omitempty"` // the channel's contact policy; nil: not limited
	CooldownAfterDismiss string       `json:"cooldown_after_dismiss,omitempty"`
}

// PeriodLimit is at most Max per Period ("7d", "24h").
type PeriodLimit struct {
	Max    int    `json:"max"`
	Period string `json:"period"`
}

// Suppressed is an action that was not shown, and why: for the marketer's
// trace and Simulate, never for the customer.
type Suppressed struct {
	ActionID string  `json:"action_id"`
	Reason   string  `json:"reason"`           // a Reason* constant
	Detail   string  `json:"detail,omitempty"` // e.g. the missing scope, the cap reached
	Score    float64 `json:"score,omitempty"`  // for below_threshold and outranked
}

// Reasons an action is suppressed. Decide checks them in this order and
// reports the first that applies.
const (
	ReasonOtherChannel        = "other_channel"          // the action is not for the requested channel
	ReasonNotValidNow         = "not_valid_now"          // outside its from/until window
	ReasonNoChannelConsent    = "no_channel_consent"     // the channel is not granted; detail: the consent reason
	ReasonGPC                 = "gpc"                    // shares data and the request carries GPC
	ReasonNoSaleShare         = "no_sale_share_consent"  // shares data and sale_share is not granted
	ReasonNoFeatureSetConsent = "no_feature_set_consent" // its condition reads a set not granted; detail: the set
	ReasonConditionFalse      = "condition_false"        // its condition does not hold for the customer
	ReasonBudget              = "budget"                 // its condition was not evaluated: the decision's conditions took their budget (rules.DefaultBudget operations)
	ReasonCapped              = "capped"                 // caps.max_per reached in caps.period
	ReasonDismissed           = "dismissed_cooldown"     // dismissed within caps.cooldown_after_dismiss
	ReasonContactPolicy       = "contact_policy"         // the channel's contact limit is reached
	ReasonBelowThreshold      = "below_threshold"        // scored at or below Config.Threshold
	ReasonOutranked           = "outranked"              // eligible and above threshold, but not in the top n
)

// Why a decision has no action.
const (
	NoneInvalidChannel   = "invalid_channel"    // the channel is not onsite, email, sms or push
	NoneNoActions        = "no_actions"         // no action is for this channel
	NoneNoChannelConsent = "no_channel_consent" // the customer has not granted the channel
	NoneNotEligible      = "none_eligible"      // every action was suppressed before scoring
	NoneBelowThreshold   = "below_threshold"    // some scored, none above the threshold: silence beats spam
	NoneFallback         = "fallback"           // the customer's consent could not be read in time: no action without it
)

// Reason kinds of a Chosen action's reasons, beside recommend's
// bought_together, viewed_recently and popular_in_category.
const (
	KindResponseRate = "response_rate" // the base part: how customers respond to the action
	KindEligibility  = "eligibility"   // a feature set the condition read; contributes 0
)

// Fallback is the decision when the customer's state could not be read
// (the store is slow or down): no action, since every action needs its
// channel granted, and nothing personal.
func (e *Engine) Fallback(ch consent.Scope) Decision {
	return Decision{Channel: ch, CatalogVersion: e.catalog().Version(), Actions: []Chosen{}, UsedSets: []string{}, NoAction: NoneFallback}
}

// ForCustomer returns d without the suppressed list: what a customer (or
// the site serving them) may see.
func (d Decision) ForCustomer() Decision {
	d.Suppressed = nil
	return d
}
