package models

import (
	"context"
	"time"

	"github.com/candorhq/candor"
)

// Defaults of TrainOptions.
const (
	DefaultK      = 200  // neighbours per item
	DefaultKAnon  = 5    // distinct users behind any count or pair weight
	DefaultTopN   = 6000 // EASE head size (see TrainOptions.TopN)
	DefaultLambda = 500  // EASE λ when none is given (evaluation.Fit chooses it by validation)
	MaxDropout    = 0.9  // largest EASE dropout emphasis
	MaxPopPower   = 1.0  // largest magnitude of the popularity power
	MaxUserNorm   = 1.0  // largest EASE user normalisation
	MaxLowPass    = 10.0 // largest weight of the low-pass filter
	MaxKNN        = 10.0 // largest weight of the item-kNN blend
	// DefaultSequenceWindow and MaxSequenceWindow are the sequence
	// kernel's window (TrainOptions.SequenceWindow), in places.
	DefaultSequenceWindow = 20
	MaxSequenceWindow     = 1000
	// MaxLowPassRank bounds the low-pass filter's rank.
	MaxLowPassRank = 1024
	// DefaultLowPassRank is the low-pass filter's rank when LowPass is
	// set and LowPassRank is not.
	DefaultLowPassRank = 64
)

// TrainOptions configure Train. Zero values mean the documented defaults.
type TrainOptions struct {
	Kind Kind // required

	// K is the number of neighbours kept per item (default 200); negative keeps
	// all (the untruncated reference, for evaluation only).
	K int
	// KAnon is the minimum number of distinct users behind a popularity count
	// or a pair weight (default 5); negative turns k-anonymity off and, for
	// EASE, keeps weights of pairs never seen together (the reference).
	KAnon int
	// HalfLife is the recency half-life of interaction weights (default 0: no
	// decay). Now is the reference time of the decay (default: the latest
	// interaction).
	HalfLife time.Duration
	Now      time.Time
	// UseValues weights each interaction by its Value (e.g. 1 for a purchase,
	// 0.3 for a view), summed over a user's interactions with an item.
	// Default false: an interaction counts 1 whatever its value (ratings are
	// treated as implicit feedback, as in the Microsoft Recommenders
	// protocol).
	UseValues bool
	// Similarity is the item similarity of itemknn and of the EASE tail
	// (default jaccard).
	Similarity Similarity
	// Lambda is EASE's L2 regularisation (default DefaultLambda;
	// evaluation.Fit chooses it by validation).
	Lambda float64
	// Dropout is EASE's dropout emphasis p in [0, 0.9] (Steck 2020, EDLAE):
	// the regulariser becomes λI + p/(1−p)·diag(XᵀX), which shrinks the
	// weights of popular items' evidence more (default 0: plain EASE).
	Dropout float64
	// PopPower scales every weight towards item j by (users_j / the median
	// item's users)^−PopPower: positive values lift rarer items, negative
	// ones popular items (default 0). It is a constant per item, so scores
	// stay exact sums of named parts.
	PopPower float64
	// FreeDiagonal fits EASE without its zero-diagonal constraint, in
	// DLAE's closed form B = I − PΛ (default false: EASE's B = I − P·diag(P)⁻¹).
	FreeDiagonal bool
	// UserNorm weighs each customer's pairs in EASE's XᵀX by |u|^−UserNorm,
	// |u| their number of items, so that the longest histories do not
	// dominate the co-occurrences (default 0; at most MaxUserNorm).
	UserNorm float64
	// Sequence weighs each pair of one customer's items in EASE's XᵀX by
	// (1 − Sequence) + Sequence·e^(−d/SequenceWindow), d the number of
	// places between the two in the customer's history ordered by time
	// (1 for items taken up one after the other): items a customer took
	// up close together say more about each other than items years apart
	// (default 0: plain XᵀX; at most 1). The kernel is positive definite,
	// so XᵀX stays a Gram matrix, and the model is still one weight per
	// item pair, so scores stay exact sums of one part per evidence item.
	Sequence       float64
	SequenceWindow float64 // default DefaultSequenceWindow, at most MaxSequenceWindow
	// LowPass adds LowPass·c·L to EASE's head weights, L being GF-CF's
	// ideal low-pass filter D^−½ V Vᵀ D^½ (Shen et al. 2021; V the top
	// LowPassRank right singular vectors of the degree-normalised
	// interaction matrix) and c the scale that gives L's rows the same
	// median largest weight as EASE's (default 0: EASE alone; at most
	// MaxLowPass). It is an item-item weight like EASE's, so scores stay
	// exact sums of one part per evidence item, and it is kept only for
	// the pairs EASE may keep (k-anonymous).
	LowPass     float64
	LowPassRank int // default DefaultLowPassRank, at most MaxLowPassRank
	// KNN adds KNN·c·S to EASE's head weights, S the item similarity
	// (Similarity) of the k-anonymous pairs and c the scale that gives
	// S's rows the same median largest weight as EASE's (default 0; at
	// most MaxKNN).
	KNN float64
	// TopN is the number of most popular items EASE is fitted on (default
	// 6,000); the items outside this head are covered by item similarity,
	// both as rows and as neighbours of the head's rows (see addTail).
	// EASE needs 8·TopN² bytes and O(TopN³) time: the default's inverse
	// takes about 40 s in pure Go on two busy cores (8,000: 85 s; 20,000:
	// about 20 minutes), so that `candor train` on 100,000 items and 10
	// million interactions, which fits the head twice (hold-out and
	// final), stays within 10 minutes (benchmarks/README.md).
	TopN int
	// MinSupport is the fewest distinct users an item needs to be in the EASE
	// head (default KAnon: an item with fewer users can keep no k-anonymous
	// weight anyway); negative means 1.
	MinSupport int
	// Scoring is how the scorer will weigh evidence; training weighs
	// interactions with the same Scoring.Weight (see Interaction.Value).
	// Zero fields take DefaultScoring's.
	Scoring Scoring
	// Workers bounds the goroutines used (default GOMAXPROCS).
	Workers int
	// Progress, if set, is told about each stage's progress.
	Progress func(stage string, done, total int)
	// Clock gives the training time recorded in Meta (default time.Now).
	Clock func() time.Time
}

// params validates o and returns the complete Params it stands for.
func (o TrainOptions) params() (Params, error) {
	if !o.Kind.Valid() {
		return Params{}, candor.Errorf(candor.EInvalid, "unknown model %q: use ease, itemknn or popularity", o.Kind)
	}
	p := Params{K: o.K, KAnon: o.KAnon, HalfLife: o.HalfLife, UseValues: o.UseValues, Similarity: o.Similarity,
		Lambda: o.Lambda, Dropout: o.Dropout, PopPower: o.PopPower, FreeDiagonal: o.FreeDiagonal, UserNorm: o.UserNorm,
		Sequence: o.Sequence, SequenceWindow: o.SequenceWindow,
		LowPass: o.LowPass, LowPassRank: o.LowPassRank, KNN: o.KNN, TopN: o.TopN, Scoring: o.Scoring.WithDefaults()}
	p.K = orDefault(p.K, DefaultK)
	p.KAnon = orDefault(p.KAnon, DefaultKAnon)
	if p.Similarity == "" {
		p.Similarity = Jaccard
	}
	if !p.Similarity.Valid() {
		return Params{}, candor.Errorf(candor.EInvalid, "unknown similarity %q: use jaccard, lift, cosine or cooccurrence", p.Similarity)
	}
	if p.Lambda < 0 || o.HalfLife < 0 {
		return Params{}, candor.Errorf(candor.EInvalid, "lambda and half-life must not be negative")
	}
	if err := (Reg{Dropout: p.Dropout, UserNorm: p.UserNorm, Sequence: p.Sequence, SequenceWindow: p.SequenceWindow, PopPower: p.PopPower, LowPass: p.LowPass, LowPassRank: p.LowPassRank, KNN: p.KNN}).Validate(); err != nil {
		return Params{}, err
	}
	p.Sequence, p.SequenceWindow = sequenceOf(p.Sequence, p.SequenceWindow)
	p.TopN = orDefault(p.TopN, DefaultTopN)
	p.MinSupport = orDefault(o.MinSupport, max(p.KAnon, 1))
	if p.MinSupport < 0 {
		p.MinSupport = 1
	}
	if err := p.Scoring.Validate(); err != nil {
		return Params{}, err
	}
	if p.Lambda == 0 {
		p.Lambda = DefaultLambda
	}
	if o.Kind != KindEASE {
		p.Lambda, p.Dropout, p.PopPower, p.FreeDiagonal, p.UserNorm, p.TopN, p.MinSupport = 0, 0, 0, false, 0, 0, 0
		p.LowPass, p.LowPassRank, p.KNN, p.Sequence, p.SequenceWindow = 0, 0, 0, 0, 0
	}
	return p, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Train fits a model of kind o.Kind on d and returns it in serving form. d
// must hold only data the customers consented to; training reads nothing
// else, so erasure and withdrawal reach the next model.
func Train(ctx context.Context, d *Data, o TrainOptions) (*Model, error) {
	p, err := o.params()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	in := newInteractions(d, o.weighting(d, p))
	rows, err := trainRows(ctx, in, d, o.Kind, p, o)
	if err != nil {
		return nil, err
	}
	m := assemble(o.Kind, p, d, in, rows)
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	m.Meta = Meta{TrainedAt: clock().UTC(), Users: d.Users, Items: len(d.Items), Interactions: len(d.Rows),
		TrainSeconds: time.Since(start).Seconds()}
	return m, nil
}

// assemble builds the model of rows, with d's items and in's popularity.
func assemble(kind Kind, p Params, d *Data, in *interactions, rows [][]neighbour) *Model {
	pop := countPopularity(in, p.KAnon)
	return newModel(kind, p, d.Items, nil, pop.normalised(len(d.Items)), rows)
}

// trainRows computes the item rows of a model of the given kind.
func trainRows(ctx context.Context, in *interactions, d *Data, kind Kind, p Params, o TrainOptions) ([][]neighbour, error) {
	n := in.byItem.rows()
	switch kind {
	case KindItemKNN:
		return similarityRows(ctx, in, allItems(n), p, o.Workers, stage(o.Progress, "itemknn: rows", n))
	case KindEASE:
		return easeRows(ctx, in, d, p, o)
	}
	return make([][]neighbour, n), nil
}

// weighting returns how d's interactions are weighted.
func (o TrainOptions) weighting(d *Data, p Params) weighting {
	w := weighting{half: p.HalfLife, now: d.latest(), values: p.UseValues}
	if !o.Now.IsZero() {
		w.now = o.Now.Unix()
	}
	return w
}

// report calls progress if set.
func report(progress func(string, int, int), name string, done, total int) {
	if progress != nil {
		progress(name, done, total)
	}
}

// stage returns a per-row progress callback for one named stage, or nil.
func stage(progress func(string, int, int), name string, total int) func(int) {
	if progress == nil {
		return nil
	}
	return func(done int) { progress(name, done, total) }
}
