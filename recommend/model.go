// Package recommend is the scorer, the only code that ranks: one
// consent-gated state read, candidates and scores from the live
// item-to-item model using only granted feature sets and the request
// context, eligibility filters, the marketers' rules, and an exact
// explanation of every score as a sum of named parts. Offline evaluation,
// the metrics a model is published with and the privacy/utility curve rank
// through Service.Rank, so the quality reported is the quality served.
package recommend

import (
	"context"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
)

// Model is the live item-to-item model as the scorer uses it. Scores are
// built here from these parts, so every contribution is known exactly.
type Model interface {
	Version() string
	NumItems() int
	// Lookup returns the model index of an item.
	Lookup(itemID string) (int32, bool)
	// ItemID returns the item of a model index.
	ItemID(i int32) string
	// Neighbours returns item i's top-K neighbours with weights; nbr is
	// sorted ascending so a weight can be found by binary search.
	Neighbours(i int32) (nbr []int32, w []float32)
	// Popularity returns the item's non-personal, k-anonymous popularity
	// in [0, 1] (0 for items seen by fewer than k customers).
	Popularity(i int32) float64
	// Scoring returns how evidence is weighed: the model's own parameters,
	// chosen by validation when it was trained.
	Scoring() models.Scoring
}

// StateReader is the consent-gated read (redisstore.Store.ReadState): one
// round trip that returns only the feature sets the customer granted, of
// each interaction set the o.Recent most recent items (the scorer reads as
// many as the live model uses) and the older purchases as bare IDs.
type StateReader interface {
	ReadState(ctx context.Context, customerID string, req consent.Request, o features.ReadOptions) (*features.State, error)
}
