package evaluation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
)

// trial is one validated setting and its score.
type trial struct {
	scoring models.Scoring
	reg     models.Reg // EASE's fit; zero for other models
	ndcg    float64
}

// tuner scores settings on validation's folds: on each, models fitted on
// its train rank its customers through the scorer and the lists are
// scored against its test; a setting's score is the mean over the folds.
type tuner struct {
	ctx context.Context
	// corpus is the interactions of the corpus being fitted (the folds
	// are validation's samples of it): what a parameter's cost is judged
	// by.
	corpus int
	folds  []*fold
	o      Options
	trials int                // settings scored on a fold, for progress
	seen   map[string]float64 // nDCG by setting
	err    error
}

// fold is one validation split of the corpus, with the fits made on it.
type fold struct {
	train *Corpus
	alone *Corpus // train's customers with only their declared preferences
	few   *Corpus // train's customers with only their latest interactions
	test  Relevant
	users int
	paths *recent[*models.EASEPath] // EASE fits by training weights
	fits  *recent[*models.Model]    // fitted models by training weights and λ
}

// split is a validation split: what a fold is made from.
type split struct {
	train *Corpus
	test  Relevant
}

// newTuner returns a tuner over validation's splits of a corpus of corpus
// interactions.
func newTuner(ctx context.Context, splits []split, corpus int, o Options) *tuner {
	t := &tuner{ctx: ctx, corpus: corpus, o: o, seen: map[string]float64{}}
	for _, sp := range splits {
		// Only the customers measured are ranked: the corpora of the
		// groups hold them alone (measured picks the same customers from
		// them).
		picked := &Corpus{Catalog: sp.train.Catalog, States: measured(sp.train, sp.test, o.ValidationUsers)}
		t.folds = append(t.folds, &fold{train: sp.train, alone: declaredOnly(picked), few: latestOnly(picked), test: sp.test,
			users: len(picked.States), paths: newRecent[*models.EASEPath](maxPaths), fits: newRecent[*models.Model](maxFits)})
	}
	return t
}

// data is the corpus validation fits on, for what it holds (which sets,
// declared preferences): every fold holds the same.
func (t *tuner) data() *Corpus { return t.folds[0].train }

// tune climbs λ (EASE, unless fixed), then EASE's other fit parameters,
// then improves one scoring parameter at a time over its grid, twice over;
// a change of training weights climbs λ again. Ties keep the earlier
// (default) value.
func (t *tuner) tune(base models.Scoring, reg models.Reg) (trial, error) {
	best := trial{scoring: base, reg: reg}
	t.climbLambda(&best)
	t.improveReg(&best)
	for pass := 0; pass < 2 && t.err == nil; pass++ {
		changed := false
		for _, p := range Params {
			if _, fixed := t.o.Fixed[p.Name]; fixed || !p.applies(t.data()) || !t.improve(&best, p) {
				continue
			}
			changed = true
			if p.Refit {
				t.climbLambda(&best)
			}
		}
		if !changed {
			break
		}
	}
	return best, t.err
}

// improve tries p's grid on best and keeps the best value; it reports
// whether the value changed. A parameter of customers without history is
// judged on them alone and leaves best's score as it is.
func (t *tuner) improve(best *trial, p Param) bool {
	was := p.get(best.scoring)
	g := groupOf(p)
	ref := best.ndcg
	if g != groupAll {
		ref = t.scoreOn(best.scoring, best.reg, g)
	}
	for _, v := range p.Grid {
		sc := best.scoring
		p.set(&sc, v)
		if sc.Validate() != nil {
			continue
		}
		if s := t.scoreOn(sc, best.reg, g); s > ref {
			best.scoring, ref = sc, s
			if g == groupAll {
				best.ndcg = s
			}
		}
	}
	if g != groupAll && p.get(best.scoring) != was {
		best.ndcg = t.score(best.scoring, best.reg) // it may move the whole group's score a little
	}
	return p.get(best.scoring) != was
}

// Validation groups: the customers a parameter is judged on.
type group int

const (
	groupAll   group = iota // the validation customers as they are
	groupAlone              // with their declared preferences alone
	groupFew                // with their latest ColdHistoryLength interactions alone
)

func groupOf(p Param) group {
	switch {
	case p.Alone:
		return groupAlone
	case p.Few:
		return groupFew
	}
	return groupAll
}

// latestOnly returns the customers of c with their latest
// ColdHistoryLength interactions as evidence and the rest excluded, as
// Cold's ColdHistory scenario ranks them.
func latestOnly(c *Corpus) *Corpus {
	states, _ := coldStates(c.States, ColdHistory, 10)
	return &Corpus{Catalog: c.Catalog, States: states}
}

// declaredOnly returns the customers of c who declared preferences, with
// those alone: how customers who share nothing else are served.
func declaredOnly(c *Corpus) *Corpus {
	out := &Corpus{Catalog: c.Catalog}
	for _, st := range c.States {
		if st.Declared != nil && len(st.Declared.Categories) > 0 {
			cp := *st
			cp.Interactions = map[consent.Scope][]features.Interaction{}
			out.States = append(out.States, &cp)
		}
	}
	return out
}

// tries reports whether validation tries p's values for a fit r.
func (t *tuner) tries(p RegParam, r models.Reg) bool {
	return len(p.Grid) > 0 && (p.applies == nil || p.applies(r)) && (p.affordable == nil || p.affordable(t.corpus))
}

// improveReg tries each of EASE's fit parameters that is not fixed over
// its grid, keeping the best value (a change climbs λ again), twice over:
// the parameters interact.
func (t *tuner) improveReg(best *trial) {
	if t.o.Train.Kind != models.KindEASE {
		return
	}
	for pass := 0; pass < 2 && t.err == nil; pass++ {
		changed := false
		for _, p := range RegParams {
			if _, fixed := t.o.Fixed[p.Name]; fixed || !t.tries(p, best.reg) {
				continue
			}
			was := p.get(best.reg)
			for _, v := range p.Grid {
				r := best.reg
				p.set(&r, v)
				if s := t.score(best.scoring, r); s > best.ndcg {
					best.reg, best.ndcg = r, s
				}
			}
			if p.get(best.reg) != was {
				changed = true
				t.climbLambda(best)
			}
		}
		if !changed {
			return
		}
	}
}

// climbLambda moves λ over the grid towards better nDCG, from the current
// λ (or the middle of the grid), for EASE when λ is not fixed.
func (t *tuner) climbLambda(best *trial) {
	if t.o.Train.Kind != models.KindEASE || t.o.Train.Lambda != 0 {
		best.ndcg = t.score(best.scoring, best.reg)
		return
	}
	grid := DefaultLambdaGrid
	at := len(grid) / 2
	if i := slices.Index(grid, best.reg.Lambda); i >= 0 {
		at = i
	}
	with := func(i int) models.Reg { r := best.reg; r.Lambda = grid[i]; return r }
	cur := t.score(best.scoring, with(at))
	for t.err == nil {
		next, nextScore := at, cur
		for _, c := range []int{at - 1, at + 1} {
			if c >= 0 && c < len(grid) {
				if s := t.score(best.scoring, with(c)); s > nextScore {
					next, nextScore = c, s
				}
			}
		}
		if next == at {
			break
		}
		at, cur = next, nextScore
	}
	best.reg, best.ndcg = with(at), cur
}

// score returns the validation nDCG@10 of one setting (memoised).
func (t *tuner) score(sc models.Scoring, reg models.Reg) float64 {
	return t.scoreOn(sc, reg, groupAll)
}

// scoreOn scores a setting on a group of the validation customers: its
// mean nDCG@10 over the folds.
func (t *tuner) scoreOn(sc models.Scoring, reg models.Reg, g group) float64 {
	key := fmt.Sprintf("%s|%v|%d", sc.String(), reg, g)
	if s, ok := t.seen[key]; ok || t.err != nil {
		return s
	}
	sum := 0.0
	for _, f := range t.folds {
		t.o.Progress("validate: "+string(t.o.Train.Kind), t.trials, t.trials+1)
		t.trials++
		s, err := t.scoreFold(f, sc, reg, g)
		if err != nil {
			t.err = err
			return 0
		}
		sum += s
	}
	t.seen[key] = sum / float64(len(t.folds))
	return t.seen[key]
}

// scoreFold is a setting's nDCG@10 on a group of one fold's customers.
func (t *tuner) scoreFold(f *fold, sc models.Scoring, reg models.Reg, g group) (float64, error) {
	m, err := t.model(f, sc, reg)
	if err != nil {
		return 0, err
	}
	c := f.train
	switch g {
	case groupAlone:
		c = f.alone
	case groupFew:
		c = f.few
	}
	res, err := Measure(t.ctx, m, c, f.test, MeasureOptions{K: 10, Customers: t.o.ValidationUsers, Workers: t.o.Train.Workers, Now: t.o.Now})
	if err != nil {
		return 0, err
	}
	return res.Metrics.NDCG, nil
}

// model returns a fold's validation model of a setting: one fit per
// training weighting and EASE fit, shared by every scoring tried on it.
func (t *tuner) model(f *fold, sc models.Scoring, reg models.Reg) (*models.Model, error) {
	wkey := weightsKey(sc)
	fkey := fmt.Sprintf("%s|%v", wkey, reg)
	if m, ok := f.fits.get(fkey); ok {
		return m.WithScoring(sc), nil
	}
	o := t.o.Train
	o.Scoring, o.UseValues, o.Progress, o.Clock = sc, true, nil, t.o.Now
	o.TopN = min(orDefault(o.TopN, models.DefaultTopN), t.o.ValidationItems)
	var m *models.Model
	var err error
	if o.Kind == models.KindEASE {
		m, err = t.easeFit(f, sc, o, reg)
	} else {
		m, err = models.Train(t.ctx, f.train.Data(sc), o)
	}
	if err != nil {
		return nil, err
	}
	f.fits.put(fkey, m)
	return m.WithScoring(sc), nil
}

func (t *tuner) easeFit(f *fold, sc models.Scoring, o models.TrainOptions, reg models.Reg) (*models.Model, error) {
	pkey := weightsKey(sc) + "|" + reg.GramName()
	p, ok := f.paths.get(pkey)
	if !ok {
		var err error
		o.UserNorm, o.Sequence, o.SequenceWindow = reg.UserNorm, reg.Sequence, reg.SequenceWindow
		if same, ok := f.paths.find(func(k string) bool { return strings.HasPrefix(k, weightsKey(sc)+"|") }); ok {
			p, err = same.Regram(reg) // the same training weights: only the Gram matrix differs
		} else {
			p, err = models.NewEASEPath(t.ctx, f.train.Data(sc), o)
		}
		if err != nil {
			return nil, err
		}
		f.paths.put(pkey, p)
	}
	if reg.Lambda == 0 {
		reg.Lambda = models.DefaultLambda
	}
	return p.Fit(t.ctx, reg)
}

// The tuner keeps the most recently used few fits and paths: a model of
// a large catalogue holds up to K weights per item and a path its Gram
// matrix, so keeping every one tried would grow with the trials. Scores
// are memoised apart, and a setting whose fit was dropped is fitted
// again, to the same model.
const (
	maxFits  = 4
	maxPaths = 2
)

// recent is a map that keeps its max most recently used entries.
type recent[V any] struct {
	max  int
	keys []string // least recently used first
	m    map[string]V
}

func newRecent[V any](max int) *recent[V] { return &recent[V]{max: max, m: map[string]V{}} }

func (r *recent[V]) get(key string) (V, bool) {
	v, ok := r.m[key]
	if ok {
		r.touch(key)
	}
	return v, ok
}

// find returns the most recently used entry whose key matches.
func (r *recent[V]) find(match func(key string) bool) (V, bool) {
	for i := len(r.keys) - 1; i >= 0; i-- {
		if match(r.keys[i]) {
			return r.get(r.keys[i])
		}
	}
	var zero V
	return zero, false
}

func (r *recent[V]) put(key string, v V) {
	if _, ok := r.m[key]; !ok && len(r.keys) == r.max {
		delete(r.m, r.keys[0])
		r.keys = r.keys[1:]
	}
	r.m[key] = v
	r.touch(key)
}

func (r *recent[V]) touch(key string) {
	r.keys = append(slices.DeleteFunc(r.keys, func(k string) bool { return k == key }), key)
}

// weightsKey names the training weights of a scoring.
func weightsKey(sc models.Scoring) string {
	return fmt.Sprintf("%g/%g/%g/%g/%g", sc.Purchase, sc.View, sc.Sensitive, sc.Rated, sc.RatingPower)
}

// describe says what a trial chose, for the model's notes.
func (t *tuner) describe(tr trial) string {
	var parts []string
	if tr.reg.Lambda > 0 && t.o.Train.Kind == models.KindEASE {
		parts = append(parts, fmt.Sprintf("λ %g on %d items", tr.reg.Lambda, min(orDefault(t.o.Train.TopN, models.DefaultTopN), t.o.ValidationItems)))
		for _, p := range RegParams {
			if _, fixed := t.o.Fixed[p.Name]; !fixed && t.tries(p, tr.reg) {
				parts = append(parts, fmt.Sprintf("%s %g", p.Name, p.shown(tr.reg)))
			}
		}
	}
	for _, p := range Params {
		if _, fixed := t.o.Fixed[p.Name]; !fixed && p.applies(t.data()) && len(p.Grid) > 0 {
			parts = append(parts, fmt.Sprintf("%s %g", p.Name, p.get(tr.scoring)))
		}
	}
	return strings.Join(parts, ", ")
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
