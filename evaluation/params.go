package evaluation

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/models"
)

// Param is one scoring parameter that validation chooses unless the user
// fixes it (`candor train` and `candor eval` take each as a flag).
type Param struct {
	Name  string    // the flag name
	Usage string    // what it means
	Grid  []float64 // the values validation tries
	// Refit marks parameters that change the training weights too: each
	// value is a new fit.
	Refit bool
	// Alone marks parameters of customers without history: validation
	// ranks the validation customers from their declared preferences only.
	Alone bool
	// Few marks parameters of customers with little history: validation
	// ranks the validation customers from their 5 latest interactions.
	Few bool
	get func(models.Scoring) float64
	set func(*models.Scoring, float64)
	// applies reports whether the data can tell its values apart.
	applies func(*Corpus) bool
}

const day = 24 * time.Hour

// Params are the scoring parameters, in the order validation tunes them.
var Params = []Param{
	{Name: "rating-power", Usage: "a rated item weighs (rating/5)^power (0: every rating the same)", Grid: []float64{0, 1, 2}, Refit: true,
		get: func(s models.Scoring) float64 { return s.RatingPower }, set: func(s *models.Scoring, v float64) { s.RatingPower = v },
		applies: func(c *Corpus) bool { return c.has(func(set consent.Scope, r float64) bool { return r > 0 && r != 5 }) }},
	{Name: "view-weight", Usage: "weight of a viewed item against a purchased one (1)", Grid: []float64{0.1, 0.3, 1}, Refit: true,
		get: func(s models.Scoring) float64 { return s.View }, set: func(s *models.Scoring, v float64) { s.View = v },
		applies: func(c *Corpus) bool { return c.hasSet(consent.Browsing) && c.hasSet(consent.Purchases) }},
	{Name: "purchase-half-life", Usage: "days after which a purchase or rating counts half, relative to the customer's latest interaction (0: no decay)",
		Grid: []float64{0, 1095, 365, 90, 30},
		get:  func(s models.Scoring) float64 { return float64(s.PurchaseHalfLife / day) }, set: func(s *models.Scoring, v float64) { s.PurchaseHalfLife = time.Duration(v * float64(day)) },
		applies: func(c *Corpus) bool { return c.hasSet(consent.Purchases) }},
	{Name: "view-half-life", Usage: "days after which a view counts half, relative to the customer's latest interaction (0: no decay)",
		Grid: []float64{0, 90, 30, 7},
		get:  func(s models.Scoring) float64 { return float64(s.ViewHalfLife / day) }, set: func(s *models.Scoring, v float64) { s.ViewHalfLife = time.Duration(v * float64(day)) },
		applies: func(c *Corpus) bool { return c.hasSet(consent.Browsing) }},
	{Name: "recency-rank", Usage: fmt.Sprintf("an item of the history weighs 1 + this × its time's percentile in the customer's own history (0 oldest, 1 latest; at most %d)", models.MaxRecencyRank),
		get: func(s models.Scoring) float64 { return s.RecencyRank }, set: func(s *models.Scoring, v float64) { s.RecencyRank = v },
		applies: func(c *Corpus) bool { return true }},
	{Name: "prior", Usage: fmt.Sprintf("popularity's share of the customer's best personal score (at most %g)", models.MaxPrior),
		Grid: []float64{0, 0.01, 0.03, 0.1, 0.3},
		get:  func(s models.Scoring) float64 { return s.Prior }, set: func(s *models.Scoring, v float64) { s.Prior = v },
		applies: func(*Corpus) bool { return true }},
	{Name: "prior-few", Usage: fmt.Sprintf("popularity's extra share for a customer with n items of evidence is this/n² (at most %d)", models.MaxPriorFew),
		Grid: []float64{0, 1, 3, 10, 30, 100}, Few: true,
		get: func(s models.Scoring) float64 { return s.PriorFew }, set: func(s *models.Scoring, v float64) { s.PriorFew = v },
		applies: func(*Corpus) bool { return true }},
	{Name: "declared", Usage: "a declared category's share of the customer's best personal score", Grid: []float64{0, 0.03, 0.1, 0.3},
		get: func(s models.Scoring) float64 { return s.Declared }, set: func(s *models.Scoring, v float64) { s.Declared = v },
		applies: func(c *Corpus) bool { return c.hasDeclared() }},
	{Name: "declared-alone", Usage: "a declared category's part for a customer with no history, against 1 for the most popular item",
		Grid: []float64{0, 0.1, 0.3, 1, 3}, Alone: true,
		get: func(s models.Scoring) float64 { return s.DeclaredAlone }, set: func(s *models.Scoring, v float64) { s.DeclaredAlone = v },
		applies: func(c *Corpus) bool { return c.hasDeclared() }},
	{Name: "max-evidence", Usage: "most recent items of each set used as evidence", Grid: []float64{50, 100, 200, 500, 1000},
		get: func(s models.Scoring) float64 { return float64(s.MaxEvidence) }, set: func(s *models.Scoring, v float64) { s.MaxEvidence = int(v) },
		applies: func(c *Corpus) bool { return c.longest() > 50 }},
}

// RegParam is one parameter of an EASE fit besides λ that validation
// chooses unless the user fixes it (a flag of `candor train` and `eval`).
type RegParam struct {
	Name  string
	Usage string
	// Grid is what validation tries; a parameter without a grid keeps its
	// default (0) unless fixed: it was measured and did not pay.
	Grid []float64
	// Gram marks parameters that change the Gram matrix: each value is a
	// new path, not only a new inverse.
	Gram bool
	// Default is what a value of 0 stands for, as a model's note says it.
	Default float64
	// applies, if set, reports whether the parameter matters to a fit
	// (validation skips it otherwise).
	applies func(models.Reg) bool
	// affordable, if set, reports whether validation can afford to try the
	// parameter's values on a training corpus of that many interactions
	// (it keeps the default, 0, otherwise; a flag still sets it).
	affordable func(interactions int) bool
	get        func(models.Reg) float64
	set        func(*models.Reg, float64)
}

// LowPassBudget is the most interactions of a corpus (the whole corpus
// being fitted, not validation's sample of it, which is at most
// ValidationCustomers) on which validation tries the low-pass filter. On
// ml-latest-small (75,000) it pays +0.0045 nDCG@10; on 100,000 items and
// 10 million interactions trying it took 5 of `candor train`'s 13 minutes
// and paid nothing.
const LowPassBudget = 2_000_000

// RegParams are EASE's fit parameters besides λ, in the order validation
// tunes them; each change climbs λ again.
var RegParams = []RegParam{
	{Name: "free-diagonal", Usage: "1: EASE in DLAE's closed form B = I − PΛ, without the zero-diagonal constraint; 0: with it (EASE, EDLAE)",
		Grid: []float64{0, 1},
		get: func(r models.Reg) float64 {
			if r.FreeDiagonal {
				return 1
			}
			return 0
		},
		set: func(r *models.Reg, v float64) { r.FreeDiagonal = v != 0 }},
	{Name: "dropout", Usage: fmt.Sprintf("EASE's dropout emphasis p (DLAE/EDLAE): an item's weights are penalised by p/(1−p) of its own count as well as λ (0 to %g)", models.MaxDropout),
		Grid: []float64{0, 0.1, 0.25, 0.5},
		get:  func(r models.Reg) float64 { return r.Dropout }, set: func(r *models.Reg, v float64) { r.Dropout = v }},
	{Name: "user-norm", Usage: fmt.Sprintf("each customer's pairs in EASE's XᵀX weigh (their items)^−norm, so the longest histories do not dominate (0 to %g)", models.MaxUserNorm),
		Grid: []float64{0, 0.25, 0.5}, Gram: true,
		get: func(r models.Reg) float64 { return r.UserNorm }, set: func(r *models.Reg, v float64) { r.UserNorm = v }},
	{Name: "sequence", Usage: "share of EASE's XᵀX in which a pair of one customer's items weighs e^(−places apart/window): items taken up close together count more (0 to 1)",
		Grid: []float64{0, 1}, Gram: true,
		get: func(r models.Reg) float64 { return r.Sequence }, set: setSequence},
	{Name: "sequence-window", Usage: fmt.Sprintf("the sequence kernel's window, in places of a customer's history (0: %d; at most %d)", models.DefaultSequenceWindow, models.MaxSequenceWindow),
		Grid: []float64{10, 20, 40}, Gram: true, Default: models.DefaultSequenceWindow, applies: func(r models.Reg) bool { return r.Sequence > 0 },
		get: func(r models.Reg) float64 { return r.SequenceWindow }, set: func(r *models.Reg, v float64) { r.SequenceWindow = v }},
	{Name: "low-pass", Usage: fmt.Sprintf("weight of GF-CF's ideal low-pass filter added to EASE's weights, relative to EASE's row maxima (0 to %g; validated on a corpus of at most %d interactions)", models.MaxLowPass, LowPassBudget),
		Grid: []float64{0, 0.1, 0.3}, affordable: func(n int) bool { return n <= LowPassBudget },
		get: func(r models.Reg) float64 { return r.LowPass }, set: func(r *models.Reg, v float64) { r.LowPass = v }},
	{Name: "low-pass-rank", Usage: fmt.Sprintf("singular vectors the low-pass filter keeps (0: %d; at most %d)", models.DefaultLowPassRank, models.MaxLowPassRank),
		Grid: []float64{32, 128}, Default: models.DefaultLowPassRank, applies: func(r models.Reg) bool { return r.LowPass > 0 },
		get: func(r models.Reg) float64 { return float64(r.LowPassRank) }, set: func(r *models.Reg, v float64) { r.LowPassRank = int(v) }},
	{Name: "knn-blend", Usage: fmt.Sprintf("weight of the item similarity (k-anonymous pairs) added to EASE's weights, relative to EASE's row maxima (0 to %g)", models.MaxKNN),
		get: func(r models.Reg) float64 { return r.KNN }, set: func(r *models.Reg, v float64) { r.KNN = v }},
	{Name: "pop-power", Usage: fmt.Sprintf("every EASE weight towards an item times (its customers / the median item's)^−power (−%g to %g; not validated: it lowered nDCG@10 on ml-latest-small)", models.MaxPopPower, models.MaxPopPower),
		get: func(r models.Reg) float64 { return r.PopPower }, set: func(r *models.Reg, v float64) { r.PopPower = v }},
}

// setSequence sets r's sequence share, and gives a share without a window
// the default one, so that trying the default window later is the same
// setting, not a second trial of the same model.
func setSequence(r *models.Reg, v float64) {
	r.Sequence = v
	if v > 0 && r.SequenceWindow == 0 {
		r.SequenceWindow = models.DefaultSequenceWindow
	}
}

// shown returns p's value in r as a model's note says it: Default for 0.
func (p RegParam) shown(r models.Reg) float64 {
	if v := p.get(r); v != 0 || p.Default == 0 {
		return v
	}
	return p.Default
}

// fixReg returns r with the fixed values of RegParams.
func fixReg(r models.Reg, fixed map[string]float64) models.Reg {
	for _, p := range RegParams {
		if v, ok := fixed[p.Name]; ok {
			p.set(&r, v)
		}
	}
	return r
}

// isReg reports whether name is one of RegParams.
func isReg(name string) bool {
	return slices.ContainsFunc(RegParams, func(p RegParam) bool { return p.Name == name })
}

// ParamNamed returns the parameter called name.
func ParamNamed(name string) (Param, bool) {
	i := slices.IndexFunc(Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return Params[i], true
}

// Fix applies fixed values to s, checking names and the result.
func Fix(s models.Scoring, fixed map[string]float64) (models.Scoring, error) {
	for name, v := range fixed {
		if isReg(name) {
			continue
		}
		p, ok := ParamNamed(name)
		if !ok {
			names := make([]string, 0, len(Params)+len(RegParams))
			for _, p := range Params {
				names = append(names, p.Name)
			}
			for _, p := range RegParams {
				names = append(names, p.Name)
			}
			return s, candor.Errorf(candor.EInvalid, "unknown scoring parameter %q: use %s", name, strings.Join(names, ", "))
		}
		p.set(&s, v)
	}
	if err := fixReg(models.Reg{}, fixed).Validate(); err != nil {
		return s, err
	}
	return s, s.Validate()
}

func (c *Corpus) has(f func(consent.Scope, float64) bool) bool {
	for _, st := range c.States {
		for _, set := range trainedSets {
			for _, x := range st.Interactions[set] {
				if f(set, x.Rating) {
					return true
				}
			}
		}
	}
	return false
}

func (c *Corpus) hasSet(set consent.Scope) bool {
	for _, st := range c.States {
		if len(st.Interactions[set]) > 0 {
			return true
		}
	}
	return false
}

func (c *Corpus) hasDeclared() bool {
	for _, st := range c.States {
		if st.Declared != nil && len(st.Declared.Categories) > 0 {
			return true
		}
	}
	return false
}

func (c *Corpus) longest() int {
	n := 0
	for _, st := range c.States {
		for _, xs := range st.Interactions {
			n = max(n, len(xs))
		}
	}
	return n
}
