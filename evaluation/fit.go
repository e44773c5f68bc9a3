package evaluation

import (
	"context"
	"fmt"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/models"
)

// Options configure Fit.
type Options struct {
	// Train sets the model: Kind (required), K, KAnon, MinSupport, TopN,
	// Workers. Lambda 0 means EASE's λ is chosen by validation.
	Train models.TrainOptions
	// Fixed holds scoring parameters (Params) and EASE fit parameters
	// (RegParams) given by the user, by name; validation chooses the others.
	Fixed map[string]float64
	// NoTuning takes the defaults for everything not fixed (and for λ).
	NoTuning bool
	// Seed seeds the validation split (default 1).
	Seed uint64
	// ValidationItems bounds EASE's head while validating (default 3000);
	// ValidationUsers the customers ranked per trial (default 2000);
	// ValidationCustomers the customers validation fits on (default
	// 50,000, spread evenly over the corpus; λ is scaled from their
	// interactions to the corpus's), so that validation costs no more on a
	// larger shop.
	ValidationItems     int
	ValidationUsers     int
	ValidationCustomers int
	// ValidationFolds is how many validation splits (seeds Seed, Seed+1,
	// …) a setting is scored on, by its mean nDCG@10 (0: FoldsFor the
	// corpus and ValidationUsers).
	ValidationFolds int
	// Progress, if set, is told about each stage's progress.
	Progress func(stage string, done, total int)
	// Now is the clock of requests and of the model's training time.
	Now func() time.Time
}

// Defaults of Options.
//
// DefaultValidationItems is above the validation head on ml-latest-small
// (about 2,600 items with 5 customers in its validation splits), so it
// chooses what 4,000, its value before issue 23, chose; each λ tried costs
// an inverse of that size (4.4 s in pure Go on two busy cores, 10.4 s at
// 4,000).
const (
	DefaultValidationItems     = 3000
	DefaultValidationUsers     = 2000
	DefaultValidationCustomers = 50000
	validationRatio            = 0.25
)

// Validation folds. On a small shop one validation split's held-out
// quarter is small, and what it chooses varies with the split: on
// ml-latest-small (610 customers) five seeds' choices scored nDCG@10
// 0.4144-0.4213 on its test part, with settings far apart (λ 25-100,
// dropout 0-0.5). A shop with fewer customers than validation ranks a
// trial (ValidationUsers) is validated on several splits, a setting
// scoring their mean: enough folds that about ValidationUsers lists are
// measured a setting, as on a larger shop, at most MaxDefaultFolds. Each
// fold costs a fit too (3,000 items' inverse a λ), so a shop of more than
// FoldsBudget interactions keeps one. (On a generated shop of 500,000
// interactions and 15,000 customers, before the folds followed the
// customers, one validation on three folds took 9:43.)
const (
	MaxDefaultFolds = 3
	FoldsBudget     = 200_000
	MaxFolds        = 10
)

// FoldsFor returns the validation folds for a corpus of n interactions
// of customers customers, validation ranking users customers a trial.
func FoldsFor(n, customers, users int) int {
	if n > FoldsBudget || customers <= 0 || customers >= users {
		return 1
	}
	return min(MaxDefaultFolds, (users+customers-1)/customers)
}

// DefaultLambdaGrid is the grid EASE's λ is chosen from.
var DefaultLambdaGrid = []float64{10, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400}

// Fit trains a model of o.Train.Kind on the corpus with parameters chosen
// by validation: the corpus is split per customer (75/25, o.Seed), models
// fitted on the 75% rank the customers through the scorer, and the λ and
// scoring with the best nDCG@10 on the 25% are kept (never the caller's
// test data). The returned model is fitted on the whole corpus and
// carries its scoring and how it was chosen.
func Fit(ctx context.Context, c *Corpus, o Options) (*models.Model, error) {
	o = o.withDefaults()
	base, err := Fix(models.DefaultScoring(), o.Fixed)
	if err != nil {
		return nil, err
	}
	base.Note = "defaults"
	reg := fixReg(models.Reg{Lambda: o.Train.Lambda}, o.Fixed)
	if !o.NoTuning {
		ch, err := choose(ctx, c, o, base, reg)
		if err != nil {
			return nil, err
		}
		base, reg = ch.scoring, ch.reg
	}
	return train(ctx, c, o, base, reg)
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.ValidationItems <= 0 {
		o.ValidationItems = DefaultValidationItems
	}
	if o.ValidationUsers <= 0 {
		o.ValidationUsers = DefaultValidationUsers
	}
	if o.ValidationCustomers <= 0 {
		o.ValidationCustomers = DefaultValidationCustomers
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = func(string, int, int) {}
	}
	return o
}

// train fits the final model on the whole corpus.
func train(ctx context.Context, c *Corpus, o Options, sc models.Scoring, reg models.Reg) (*models.Model, error) {
	t := o.Train
	t.Scoring, t.UseValues, t.Clock = sc, true, o.Now
	t.Lambda, t.Dropout, t.PopPower, t.FreeDiagonal, t.UserNorm = reg.Lambda, reg.Dropout, reg.PopPower, reg.FreeDiagonal, reg.UserNorm
	t.Sequence, t.SequenceWindow = reg.Sequence, reg.SequenceWindow
	t.LowPass, t.LowPassRank, t.KNN = reg.LowPass, reg.LowPassRank, reg.KNN
	if t.Progress == nil {
		t.Progress = o.Progress
	}
	m, err := models.Train(ctx, c.Data(sc), t)
	if err != nil {
		return nil, err
	}
	if reg.Lambda > 0 && o.Train.Lambda == 0 && t.Kind == models.KindEASE {
		m.Params.LambdaNote = sc.Note
	}
	return m, nil
}

// choice is what validation chose.
type choice struct {
	scoring models.Scoring
	reg     models.Reg // EASE's fit; λ for the whole corpus, scaled from the validation fit
}

// choose runs the validation from the scoring base and the fit reg.
func choose(ctx context.Context, c *Corpus, o Options, base models.Scoring, reg models.Reg) (*choice, error) {
	splits, fitted, err := validationSplits(c, o)
	if err != nil {
		return nil, err
	}
	if len(splits[0].test) == 0 || splits[0].train.Interactions() < 2 {
		return &choice{scoring: base, reg: reg}, nil
	}
	t := newTuner(ctx, splits, c.Interactions(), o)
	best, err := t.tune(base, reg)
	if err != nil {
		return nil, err
	}
	ch := &choice{scoring: best.scoring, reg: best.reg}
	if best.reg.Lambda > 0 && o.Train.Lambda == 0 {
		ch.reg.Lambda = best.reg.Lambda * float64(c.Interactions()) / fitted
	} else {
		ch.reg.Lambda = o.Train.Lambda
	}
	ch.scoring.Note = fmt.Sprintf("validation nDCG@10 %.4f on %d customers%s (%s)", best.ndcg, t.folds[0].users, foldsNote(len(splits)), t.describe(best))
	if ctx.Err() != nil {
		return nil, candor.Wrap("evaluation.Fit", ctx.Err())
	}
	return ch, nil
}

// validationSplits returns validation's folds of c (o.ValidationFolds, or
// FoldsFor c, splits of one sample of its customers with seeds o.Seed,
// o.Seed+1, …) and the mean interactions the folds fit on, which λ is
// scaled from.
func validationSplits(c *Corpus, o Options) ([]split, float64, error) {
	folds := min(o.ValidationFolds, MaxFolds)
	if folds <= 0 {
		folds = FoldsFor(c.Interactions(), len(c.States), o.ValidationUsers)
	}
	sample := c.sample(o.ValidationCustomers)
	splits := make([]split, 0, folds)
	fitted := 0
	for f := range folds {
		train, test, err := Split(sample, validationRatio, o.Seed+uint64(f))
		if err != nil {
			return nil, 0, err
		}
		splits = append(splits, split{train: train, test: test})
		fitted += train.Interactions()
	}
	return splits, float64(fitted) / float64(folds), nil
}

func foldsNote(folds int) string {
	if folds == 1 {
		return ""
	}
	return fmt.Sprintf(" × %d folds", folds)
}
