// Package evaluation fits models and measures what they are worth, always
// through the scorer that serves them (recommend.Service.Rank): the
// hold-out metrics a model is published with, `candor eval`, and the
// privacy/utility curve. It also chooses, by validation on a slice of the
// training data, the parameters a model carries: EASE's λ and the scoring
// (evidence weights, recency, popularity prior).
//
// Everything starts from a Corpus: customers' states exactly as the
// consent-gated read returns them, and the catalog. Training from the
// store reads one with redisstore.ScanStates; an offline dataset becomes
// one through the same event ingestion `candor import` uses, into an
// in-memory store with the store's semantics (features.Memory).
package evaluation

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
)

// Corpus is what models are fitted on and measured with.
type Corpus struct {
	// States are the customers' states as the gated read returns them
	// (only the sets each grants), sorted by customer ID.
	States []*features.State
	// Catalog is the shop's catalog, as the server holds it.
	Catalog *catalog.Snapshot
}

// NewCorpus returns a corpus of states (sorted by customer here).
func NewCorpus(states []*features.State, cat *catalog.Snapshot) *Corpus {
	states = slices.Clone(states)
	slices.SortFunc(states, func(a, b *features.State) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return &Corpus{States: states, Catalog: cat}
}

// trainedSets are the sets a model learns from. Sensitive data never enters
// the shared model.
var trainedSets = []consent.Scope{consent.Purchases, consent.Browsing}

// Data returns the training data of the corpus: every purchased, rated and
// viewed item of every customer, weighted with sc.Weight as the scorer
// weighs it, numbered canonically (users and items sorted by ID, every
// catalog item known), so that the same corpus always trains the same
// model, wherever it was read from.
func (c *Corpus) Data(sc models.Scoring) *models.Data {
	var ins []models.Interaction
	ids := map[string]bool{}
	for _, st := range c.States {
		for _, set := range trainedSets {
			base := sc.View
			if set == consent.Purchases {
				base = sc.Purchase
			}
			for _, x := range st.Interactions[set] {
				rating := 0.0
				if set == consent.Purchases {
					rating = x.Rating
				}
				ins = append(ins, models.Interaction{User: st.CustomerID, Item: x.Item, Value: sc.Weight(base, x.Count, rating), Time: x.Last})
				ids[x.Item] = true
			}
		}
	}
	for _, it := range c.Catalog.Items() {
		ids[it.ID] = true
	}
	items := make([]string, 0, len(ids))
	for id := range ids {
		items = append(items, id)
	}
	slices.Sort(items)
	return models.NewData(ins, items)
}

// Interactions returns how many items the corpus's trained sets hold.
func (c *Corpus) Interactions() int {
	n := 0
	for _, st := range c.States {
		for _, set := range trainedSets {
			n += len(st.Interactions[set])
		}
	}
	return n
}

// sample returns c with at most n of its customers, spread evenly over
// them (c itself when it has no more).
func (c *Corpus) sample(n int) *Corpus {
	if n <= 0 || len(c.States) <= n {
		return c
	}
	out := &Corpus{Catalog: c.Catalog, States: make([]*features.State, n)}
	for i := range out.States {
		out.States[i] = c.States[i*len(c.States)/n]
	}
	return out
}

// Relevant is each customer's held-out items.
type Relevant map[string]map[string]bool

// Split holds out a share of every customer's history: per customer, the
// items of the trained sets (in set order, then stored order) are shuffled
// with a PCG seeded with seed, and the first round-half-even((1−ratio)·n)
// stay in the training corpus, the rest are held out. A customer with one
// item keeps it. Profiles and the decision are kept as they are.
func Split(c *Corpus, ratio float64, seed uint64) (*Corpus, Relevant, error) {
	if !(ratio > 0 && ratio < 1) {
		return nil, nil, candor.Errorf(candor.EInvalid, "test ratio %g must be between 0 and 1", ratio)
	}
	rng := rand.New(rand.NewPCG(seed, 0x63616e646f72)) // "candor"
	train := &Corpus{Catalog: c.Catalog, States: make([]*features.State, len(c.States))}
	test := Relevant{}
	for i, st := range c.States {
		type ref struct {
			set consent.Scope
			k   int
		}
		var all []ref
		for _, set := range trainedSets {
			for k := range st.Interactions[set] {
				all = append(all, ref{set, k})
			}
		}
		rng.Shuffle(len(all), func(a, b int) { all[a], all[b] = all[b], all[a] })
		keep := int(math.RoundToEven((1 - ratio) * float64(len(all))))
		kept := map[ref]bool{}
		for _, r := range all[:keep] {
			kept[r] = true
		}
		for _, r := range all[keep:] {
			if test[st.CustomerID] == nil {
				test[st.CustomerID] = map[string]bool{}
			}
			test[st.CustomerID][st.Interactions[r.set][r.k].Item] = true
		}
		cp := *st
		cp.Interactions = map[consent.Scope][]features.Interaction{}
		for set, xs := range st.Interactions {
			if !slices.Contains(trainedSets, set) {
				cp.Interactions[set] = xs
				continue
			}
			out := make([]features.Interaction, 0, len(xs))
			for k, x := range xs {
				if kept[ref{set, k}] {
					out = append(out, x)
				}
			}
			cp.Interactions[set] = out
		}
		train.States[i] = &cp
	}
	return train, test, nil
}
