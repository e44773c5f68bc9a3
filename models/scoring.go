package models

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/candorhq/candor"
)

// Scoring is how the scorer (package recommend) turns a customer's granted
// history and the request into a score: evidence weights, recency and the
// non-personal parts. It is part of the model: chosen by validation when
// the model is trained, stored in its artifact, and read by every server
// from the live model, so what was measured is what is served. Training
// weighs interactions with the same Weight.
type Scoring struct {
	// Purchase, View and Sensitive weigh one item of the purchases,
	// browsing and sensitive sets (times 1 + ln count).
	Purchase  float64 `json:"purchase"`
	View      float64 `json:"view"`
	Sensitive float64 `json:"sensitive"`
	// Rated weighs an item the customer rated r: Rated·(r/5)^RatingPower.
	Rated       float64 `json:"rated"`
	RatingPower float64 `json:"rating_power"`
	// Context and Cart weigh the item being viewed and the cart's items.
	Context float64 `json:"context"`
	Cart    float64 `json:"cart"`
	// PurchaseHalfLife (purchases and ratings) and ViewHalfLife (browsing,
	// sensitive) discount an item by its age relative to the customer's
	// own latest interaction, never the wall clock, so a history years old
	// still counts and counts most for its most recent items; 0: no decay.
	PurchaseHalfLife time.Duration `json:"purchase_half_life"`
	ViewHalfLife     time.Duration `json:"view_half_life"`
	// RecencyRank weighs an item of the history sets by 1 + RecencyRank·q,
	// q its time's percentile within the customer's own granted history
	// (0 the oldest, 1 the latest; ties share their mean rank), so a
	// customer's recent taste counts more whatever their pace; 0: off.
	// At most MaxRecencyRank.
	RecencyRank float64 `json:"recency_rank,omitempty"`
	// Prior and Declared scale the non-personal parts to the customer's own
	// evidence: an item's popularity part is Prior·popularity·S and a
	// declared category's part Declared·S, where S is the best evidence
	// score of an item the customer may be shown. Prior is at most
	// MaxPrior, so popularity never outweighs the customer's best evidence.
	Prior    float64 `json:"prior"`
	Declared float64 `json:"declared"`
	// PriorFew adds PriorFew/n² to the popularity share of a customer whose
	// evidence is n items: with a few items, their neighbours are a noisy
	// guess and popularity is the better part of the answer; with many,
	// the term vanishes. Popularity can outweigh the best evidence only
	// while n² < PriorFew/(1 − Prior). At most MaxPriorFew.
	PriorFew float64 `json:"prior_few,omitempty"`
	// DeclaredAlone is a declared category's part for a customer without
	// evidence (only declared preferences, or nothing), whose list is
	// popularity (the most popular item's part is 1) plus DeclaredAlone
	// per declared category of the item.
	DeclaredAlone float64 `json:"declared_alone"`
	// MaxEvidence is how many of the most recent items of each set are
	// used.
	MaxEvidence int `json:"max_evidence"`
	// Note says how the values were chosen.
	Note string `json:"note,omitempty"`
}

// MaxPrior bounds Scoring.Prior, MaxPriorFew Scoring.PriorFew.
const (
	MaxPrior       = 0.5
	MaxPriorFew    = 100
	MaxRecencyRank = 100
)

// DefaultScoring is the scoring a model gets when nothing was validated.
func DefaultScoring() Scoring {
	return Scoring{Purchase: 1, View: 0.3, Sensitive: 0.3, Rated: 1, RatingPower: 1, Context: 1.5, Cart: 1,
		Prior: 0.05, Declared: 0.1, DeclaredAlone: 0.3, MaxEvidence: 500, Note: "defaults"}
}

// WithDefaults returns s with every unset (zero) weight, and a missing
// MaxEvidence, taken from DefaultScoring. Half-lives stay as they are (0
// means no decay), and so does a RatingPower of 0 when Rated is set.
func (s Scoring) WithDefaults() Scoring {
	d := DefaultScoring()
	if s == (Scoring{}) {
		return d
	}
	for _, f := range []struct{ v, def *float64 }{{&s.Purchase, &d.Purchase}, {&s.View, &d.View}, {&s.Sensitive, &d.Sensitive},
		{&s.Rated, &d.Rated}, {&s.Context, &d.Context}, {&s.Cart, &d.Cart}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if s.MaxEvidence <= 0 {
		s.MaxEvidence = d.MaxEvidence
	}
	return s
}

// Validate checks s; errors are EInvalid and name the field.
func (s Scoring) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"purchase", s.Purchase}, {"view", s.View}, {"sensitive", s.Sensitive}, {"rated", s.Rated}, {"rating_power", s.RatingPower},
		{"context", s.Context}, {"cart", s.Cart}, {"recency_rank", s.RecencyRank}, {"prior", s.Prior}, {"prior_few", s.PriorFew}, {"declared", s.Declared}, {"declared_alone", s.DeclaredAlone}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1e6 {
			return candor.Errorf(candor.EInvalid, "scoring %s = %g: must be a number from 0 to 1e6", f.name, f.v)
		}
	}
	switch {
	case s.Prior > MaxPrior:
		return candor.Errorf(candor.EInvalid, "scoring prior = %g: at most %g, so that popularity never outweighs a customer's own evidence", s.Prior, MaxPrior)
	case s.RecencyRank > MaxRecencyRank:
		return candor.Errorf(candor.EInvalid, "scoring recency_rank = %g: at most %d", s.RecencyRank, MaxRecencyRank)
	case s.PriorFew > MaxPriorFew:
		return candor.Errorf(candor.EInvalid, "scoring prior_few = %g: at most %d", s.PriorFew, MaxPriorFew)
	case s.PurchaseHalfLife < 0 || s.ViewHalfLife < 0:
		return candor.Errorf(candor.EInvalid, "scoring half-lives must not be negative")
	case s.MaxEvidence < 1 || s.MaxEvidence > 10000:
		return candor.Errorf(candor.EInvalid, "scoring max_evidence = %d: must be 1-10000", s.MaxEvidence)
	}
	return nil
}

// Weight is what one stored interaction counts before recency: a rated item
// Rated·(rating/5)^RatingPower, anything else base·(1 + ln count), base
// being the weight of its set (Purchase, View or Sensitive).
func (s Scoring) Weight(base float64, count int, rating float64) float64 {
	if rating > 0 {
		return s.Rated * math.Pow(rating/5, s.RatingPower)
	}
	return base * (1 + math.Log(float64(max(count, 1))))
}

// Decay is the recency factor of an interaction age before the customer's
// latest one: 2^(−age/halfLife), or 1 without a half-life.
func Decay(age, halfLife time.Duration) float64 {
	if age <= 0 || halfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(halfLife))
}

// RecencyFactor is the recency-rank factor 1 + RecencyRank·q of an
// interaction at time t, q its percentile among the customer's history
// times sorted (ascending): (earlier + (ties − 1)/2)/(n − 1), 1 for a
// history of one.
func (s Scoring) RecencyFactor(t int64, sorted []int64) float64 {
	if s.RecencyRank == 0 {
		return 1
	}
	n := len(sorted)
	if n < 2 {
		return 1 + s.RecencyRank
	}
	lo, _ := slices.BinarySearch(sorted, t)
	hi, _ := slices.BinarySearch(sorted, t+1)
	q := (float64(lo) + float64(max(hi-lo-1, 0))/2) / float64(n-1)
	return 1 + s.RecencyRank*q
}

// String describes s in one line, for logs and notes.
func (s Scoring) String() string {
	rank := ""
	if s.RecencyRank != 0 {
		rank = fmt.Sprintf(", recency rank %g", s.RecencyRank)
	}
	return fmt.Sprintf("purchase %g, view %g, rated %g·(r/5)^%g, half-lives %s/%s%s, prior %g (+%g/n²), declared %g (alone %g), max evidence %d",
		s.Purchase, s.View, s.Rated, s.RatingPower, halfLife(s.PurchaseHalfLife), halfLife(s.ViewHalfLife), rank, s.Prior, s.PriorFew, s.Declared, s.DeclaredAlone, s.MaxEvidence)
}

func halfLife(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
