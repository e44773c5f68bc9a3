package features

import (
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

// Retention bounds what Candor keeps of each feature set: at most Cap items
// per interaction set (the most recent win) and each key expires TTL after
// its last write.
type Retention struct {
	Cap int
	TTL map[consent.Scope]time.Duration
}

// DefaultRetention: 500 items per set; browsing 90 days, purchases 730 days,
// sensitive 30 days, declared 730 days, location 30 days, demographics 365 days.
func DefaultRetention() Retention {
	const day = 24 * time.Hour
	return Retention{
		Cap: 500,
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

// TTLOf returns the retention of set, or 90 days for a set not configured.
func (r Retention) TTLOf(set consent.Scope) time.Duration {
	if d, ok := r.TTL[set]; ok && d > 0 {
		return d
	}
	return 90 * 24 * time.Hour
}

// countBits is how many low bits of an interaction score hold the count; the
// high bits hold the Unix second of the last interaction. 2^20 counts and
// seconds up to year ~2255 stay exact in a float64 (2^53).
const countBits = 20

// MaxCount is the largest count an interaction score can hold.
const MaxCount = 1<<countBits - 1

// PackScore encodes the last interaction time and count as one ZSET score,
// so recency ordering, capping and counts need a single key.
func PackScore(last time.Time, count int) float64 {
	count = min(max(count, 0), MaxCount)
	return float64(last.Unix())*(1<<countBits) + float64(count)
}

// UnpackScore is the inverse of PackScore.
func UnpackScore(score float64) (last time.Time, count int) {
	s := int64(score)
	return time.Unix(s>>countBits, 0).UTC(), int(s & MaxCount)
}

// Interaction is one item of an interaction feature set.
type Interaction struct {
	Item  string
	Last  time.Time
	Count int
}
