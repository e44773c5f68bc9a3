// Package models owns Candor's explainable recommendation models: popularity,
// item similarity (SAR-style co-occurrence) and EASE, their training from
// interactions, their common serving form (per item, its top-K neighbours in
// flat slices), exact per-evidence scoring, versioned artifacts, the live
// model holder, MovieLens loading and offline evaluation.
//
// Every model is additive: the scorer (package recommend, the only code
// that ranks) computes the score of item j for a history of evidence e as
//
//	score(j) = Σ_e weight(e) · W[item(e)][j] + non-personal parts
//
// so each score is an exact sum of named parts (DESIGN.md principle 3).
// models fits W, the popularity and the Scoring that weighs evidence; it
// does not rank.
package models

import (
	"slices"
	"strings"
	"time"
)

// Kind names a model family.
type Kind string

// Model kinds.
const (
	KindPopularity Kind = "popularity" // bias only: recency-decayed k-anonymous counts
	KindItemKNN    Kind = "itemknn"    // SAR-style item co-occurrence similarity
	KindEASE       Kind = "ease"       // Steck's EASE on the head, item similarity on the tail
)

// Kinds lists the model kinds in the order evaluation runs them.
var Kinds = []Kind{KindPopularity, KindItemKNN, KindEASE}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Params are the hyper-parameters a model was trained with, as recorded in its
// artifact. Train fills in the defaults, so a trained model's Params are
// complete.
type Params struct {
	K              int           `json:"k"`                         // neighbours kept per item
	KAnon          int           `json:"k_anon"`                    // minimum distinct users behind a count or pair weight; negative = off
	HalfLife       time.Duration `json:"half_life"`                 // recency half-life of interaction weights; 0 = no decay
	UseValues      bool          `json:"use_values,omitempty"`      // interactions weighted by their values
	Similarity     Similarity    `json:"similarity,omitempty"`      // itemknn and the EASE tail
	Lambda         float64       `json:"lambda,omitempty"`          // EASE L2 regularisation
	Dropout        float64       `json:"dropout,omitempty"`         // EASE's dropout emphasis p: Λ = λI + p/(1−p)·diag(XᵀX) (EDLAE)
	PopPower       float64       `json:"pop_power,omitempty"`       // every weight towards item j times (users_j / median users)^−PopPower
	FreeDiagonal   bool          `json:"free_diagonal,omitempty"`   // EASE in DLAE's closed form, without the zero-diagonal constraint
	UserNorm       float64       `json:"user_norm,omitempty"`       // each customer's pairs in XᵀX weigh |u|^−UserNorm
	Sequence       float64       `json:"sequence,omitempty"`        // share of XᵀX weighed by how close in time a pair was taken up
	SequenceWindow float64       `json:"sequence_window,omitempty"` // its window, in places of the customer's history
	LowPass        float64       `json:"low_pass,omitempty"`        // weight of GF-CF's ideal low-pass filter added to EASE's
	LowPassRank    int           `json:"low_pass_rank,omitempty"`   // its rank (singular vectors kept)
	KNN            float64       `json:"knn,omitempty"`             // weight of the item similarity added to EASE's
	TopN           int           `json:"top_n,omitempty"`           // EASE head size
	MinSupport     int           `json:"min_support,omitempty"`     // fewest users of an EASE head item
	Categories     int           `json:"categories,omitempty"`      // number of category rows (artifacts before scoring; new models have none)
	LambdaNote     string        `json:"lambda_note,omitempty"`     // how Lambda was chosen
	Scoring        Scoring       `json:"scoring"`                   // how the scorer weighs evidence; see Scoring
}

// Meta describes the training run behind a model.
type Meta struct {
	TrainedAt time.Time `json:"trained_at"`
	// DataReadAt is when the training data began to be read from the
	// store: nothing erased or withdrawn before it is in the model. Zero
	// for a model not trained from the store (or before it was recorded).
	DataReadAt   time.Time          `json:"data_read_at,omitzero"`
	Users        int                `json:"users"`
	Items        int                `json:"items"`
	Interactions int                `json:"interactions"`
	TrainSeconds float64            `json:"train_seconds"`
	Metrics      map[string]float64 `json:"metrics,omitempty"`
}

// Model is a trained model in its serving form. Rows [0, NumItems) are items;
// rows [NumItems, NumRows) are categories in artifacts written before
// declared preferences moved to the scorer (they are read and ignored).
// Row r's neighbours are
// nbr[offsets[r]:offsets[r+1]], sorted by item index, with weights w. Only
// items are ever scored, so neighbour indices are always < NumItems.
//
// A Model is immutable after construction and safe for concurrent use.
type Model struct {
	Kind   Kind
	Params Params
	Meta   Meta

	ids     []string  // item ids, index = item number
	index   itemIndex // item id → item number
	cats    []string  // category names of old artifacts' category rows
	pop     []float32 // per item popularity in [0, 1]; 0 = below k-anonymity
	offsets []int32   // len NumRows+1
	nbr     []int32
	w       []float32
	rev     *reverseIndex // built by BuildReverse; shared by WithScoring's copies
}

// newModel assembles a model from its parts and builds the derived indexes.
func newModel(kind Kind, p Params, ids, cats []string, pop []float32, rows [][]neighbour) *Model {
	m := &Model{Kind: kind, Params: p, ids: packed(ids), cats: cats, pop: pop}
	m.offsets = make([]int32, len(rows)+1)
	total := 0
	for r, row := range rows {
		total += len(row)
		m.offsets[r+1] = int32(total)
	}
	m.nbr = make([]int32, 0, total)
	m.w = make([]float32, 0, total)
	for _, row := range rows {
		for _, n := range row {
			m.nbr = append(m.nbr, n.item)
			m.w = append(m.w, n.w)
		}
	}
	m.buildIndexes()
	return m
}

// packed copies ids into one allocation. Training's item IDs are cut from
// the replies of the store's reads, one customer's each: a model that
// kept them would keep up to one reply alive per item (kilobytes each, a
// long history's tens), and the lookup of an item would read its key from
// anywhere in the heap.
func packed(ids []string) []string {
	n := 0
	for _, id := range ids {
		n += len(id)
	}
	var b strings.Builder
	b.Grow(n)
	for _, id := range ids {
		b.WriteString(id)
	}
	all, out := b.String(), make([]string, len(ids))
	for i, id := range ids {
		out[i], all = all[:len(id)], all[len(id):]
	}
	return out
}

// buildIndexes builds the item lookup (and readies the reverse index).
func (m *Model) buildIndexes() {
	m.rev = &reverseIndex{}
	m.index = newItemIndex(m.ids)
}

// NumItems returns the number of items; item numbers are [0, NumItems).
func (m *Model) NumItems() int { return len(m.ids) }

// NumRows returns the number of rows: items, then categories.
func (m *Model) NumRows() int { return len(m.offsets) - 1 }

// NumWeights returns the number of stored neighbour weights.
func (m *Model) NumWeights() int { return len(m.w) }

// ID returns the id of item number i.
func (m *Model) ID(i int32) string { return m.ids[i] }

// Item returns the number of the item with the given id.
func (m *Model) Item(id string) (int32, bool) {
	return m.index.item(id)
}

// Popularity returns item i's recency-decayed popularity normalised to the
// most popular item, or 0 when fewer than k distinct users contributed.
func (m *Model) Popularity(i int32) float64 { return float64(m.pop[i]) }

// WithScoring returns a model that shares m's weights and has scoring s
// (validation tries several on one fit).
func (m *Model) WithScoring(s Scoring) *Model {
	c := *m
	c.Params.Scoring = s
	return &c
}

// Scoring returns how the scorer weighs evidence for this model.
func (m *Model) Scoring() Scoring { return m.Params.Scoring }

// Neighbours returns row r's neighbour items (sorted by item number) and
// their weights. The slices alias the model and must not be modified.
func (m *Model) Neighbours(r int32) ([]int32, []float32) {
	lo, hi := m.offsets[r], m.offsets[r+1]
	return m.nbr[lo:hi], m.w[lo:hi]
}

// Weight returns W[r][j], or 0 when j is not among row r's neighbours.
func (m *Model) Weight(r, j int32) float64 {
	nbr, w := m.Neighbours(r)
	if k, ok := slices.BinarySearch(nbr, j); ok {
		return float64(w[k])
	}
	return 0
}
