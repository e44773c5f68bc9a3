package recommend

import "github.com/candorhq/candor/models"

// Trained adapts a trained models.Model to the scorer's Model.
type Trained struct {
	M   *models.Model
	Ver string
}

var _ Model = (*Trained)(nil)

// Version names the model version in responses and decisions.
func (t *Trained) Version() string { return t.Ver }

// NumItems returns the number of items the model knows.
func (t *Trained) NumItems() int { return t.M.NumItems() }

// Lookup returns the model index of an item.
func (t *Trained) Lookup(id string) (int32, bool) { return t.M.Item(id) }

// ItemID returns the item of a model index.
func (t *Trained) ItemID(i int32) string { return t.M.ID(i) }

// Neighbours returns item i's neighbours (sorted by index) and weights.
func (t *Trained) Neighbours(i int32) ([]int32, []float32) { return t.M.Neighbours(i) }

// Reverse returns the items whose neighbours hold item j (ascending) and
// the weights they hold it by, once the model's BuildReverse has run.
func (t *Trained) Reverse(j int32) ([]int32, []float32, bool) { return t.M.Reverse(j) }

// Popularity returns the item's k-anonymous popularity in [0, 1].
func (t *Trained) Popularity(i int32) float64 { return t.M.Popularity(i) }

// Scoring returns the model's scoring parameters.
func (t *Trained) Scoring() models.Scoring { return t.M.Scoring() }
