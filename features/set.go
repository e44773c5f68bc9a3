package features

import (
	"math"
	"time"

	"github.com/candorhq/candor/consent"
)

// Kind says how a feature set is stored.
type Kind int

const (
	// Interactions sets hold items with their last time and count (a ZSET).
	Interactions Kind = iota
	// Profile sets hold a few stated fields (a HASH).
	Profile
)

// KindOf returns how set is stored.
func KindOf(set consent.Scope) Kind {
	switch set {
	case consent.Declared, consent.Location, consent.Demographics:
		return Profile
	}
	return Interactions
}

// Retention bounds what Candor keeps of each feature set: at most CapOf(set)
// items per interaction set (the most recent win), each write to an
// interaction set drops its items last seen more than TTLOf(set) before
// it (Cutoff), and each key expires TTL after its last write. So an item
// collected live is never kept more than twice its set's TTL after it was
// last seen: an active customer's old history goes at their next event,
// and an idle customer's set goes whole when its key expires. A replay
// (KeepPast) lasts its TTL from the replay, until a live write ages it.
type Retention struct {
	Cap  int                   // items per interaction set without a cap of its own
	Caps map[consent.Scope]int // per-set caps
	TTL  map[consent.Scope]time.Duration
	// KeepPast keeps items older than their set's TTL when a set is
	// written: a research dataset replayed with the times it was recorded
	// at (Service.Replay), whose sets then last their TTL from the replay.
	KeepPast bool
}

// DefaultRetention: 500 items per set but 1,000 purchases (bought and rated
// items are never recommended again, so more of them are kept); browsing 90
// days, purchases 730 days, sensitive 30 days, declared 730 days, location
// 30 days, demographics 365 days.
func DefaultRetention() Retention {
	const day = 24 * time.Hour
	return Retention{
		Cap:  500,
		Caps: map[consent.Scope]int{consent.Purchases: 1000},
		TTL: map[consent.Scope]time.Duration{
			consent.Browsing:     90 * day,
			consent.Purchases:    730 * day,
			consent.Sensitive:    30 * day,
			consent.Declared:     730 * day,
			consent.Location:     30 * day,
			consent.Demographics: 365 * day,
		},
	}
}

// CapOf returns how many items set keeps.
func (r Retention) CapOf(set consent.Scope) int {
	if n, ok := r.Caps[set]; ok && n > 0 {
		return n
	}
	return r.Cap
}

// Cutoff returns the Unix second before which the items of set are dropped
// when it is written at now (an item last seen at that second stays), or 0
// when none are (KeepPast).
func (r Retention) Cutoff(set consent.Scope, now time.Time) int64 {
	if r.KeepPast {
		return 0
	}
	return now.Add(-r.TTLOf(set)).Unix()
}

// ContactLookback is how long a contact (an action's impression, click or
// dismissal) is kept after it happened: the longest period a cap or a
// cooldown after a dismissal may count back (actions).
const ContactLookback = 366 * 24 * time.Hour

// ContactCutoff returns the Unix second before which contacts are dropped
// when the contacts are written at now, or 0 when none are (KeepPast).
func (r Retention) ContactCutoff(now time.Time) int64 {
	if r.KeepPast {
		return 0
	}
	return now.Add(-ContactLookback).Unix()
}

// TTLOf returns the retention of set, or 90 days for a set not configured.
func (r Retention) TTLOf(set consent.Scope) time.Duration {
	if d, ok := r.TTL[set]; ok && d > 0 {
		return d
	}
	return 90 * 24 * time.Hour
}

// An interaction score packs three things into one ZSET score, so recency
// ordering, capping, counts and ratings need a single key:
//
//	score = last·2^20 + rating·2^16 + count
//
// last is the Unix second of the latest interaction, rating the latest
// rating in half stars (0 = never rated, 1..10 = 0.5..5 stars) and count
// the number of interactions (at most MaxCount). Seconds up to year ~2255
// stay exact in a float64 (2^53). Scores written before ratings were kept
// (count in all 20 low bits) read the same for any count below 2^16.
const (
	lowBits    = 20
	countBits  = 16
	ratingMask = 1<<(lowBits-countBits) - 1
)

// MaxCount is the largest count an interaction score can hold.
const MaxCount = 1<<countBits - 1

// MinRating and MaxRating bound a rating; ratings are kept in half stars.
const (
	MinRating = 0.5
	MaxRating = 5.0
)

// PackScore encodes the last interaction time, count and latest rating (0:
// not rated) as one ZSET score. A rating is rounded to half stars.
func PackScore(last time.Time, count int, rating float64) float64 {
	count = min(max(count, 0), MaxCount)
	return float64(last.Unix())*(1<<lowBits) + float64(RatingCode(rating)<<countBits) + float64(count)
}

// RatingCode is a rating in half stars (1..10), or 0 for no rating.
func RatingCode(rating float64) int {
	if rating <= 0 {
		return 0
	}
	return min(max(int(math.Round(rating*2)), 1), ratingMask)
}

// UnpackScore is the inverse of PackScore.
func UnpackScore(score float64) (last time.Time, count int, rating float64) {
	s := int64(score)
	low := s & (1<<lowBits - 1)
	return time.Unix(s>>lowBits, 0).UTC(), int(low & MaxCount), float64(low>>countBits) / 2
}

// Interaction is one item of an interaction feature set.
type Interaction struct {
	Item   string
	Last   time.Time
	Count  int
	Rating float64 // the latest rating, 0.5..5; 0 when the item was never rated
}

// InteractionOf decodes one member of an interaction set and its score.
func InteractionOf(item string, score float64) Interaction {
	last, count, rating := UnpackScore(score)
	return Interaction{Item: item, Last: last, Count: count, Rating: rating}
}
