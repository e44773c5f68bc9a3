package models

import (
	"cmp"
	"slices"

	"github.com/candorhq/candor"
)

// Scenario is a consent level evaluated offline: which of a user's data the
// scorer may read at request time. Training always uses the whole training
// split (in production the store holds only consented data; here every
// MovieLens user is assumed to have consented to training).
//
// On MovieLens, a rating of 4 or more stands for a purchase and every rating
// for browsing; declared preferences are the user's three most frequent
// genres in their training ratings. A declared genre's evidence weight is its
// share of the user's genre mentions times the model's PriorWeight, so it
// raises the popularity prior of the genre's items by that share: the
// ranking of declared-only is the same for every model, as it should be,
// since no item history is read. Full does not add declared genres: on
// MovieLens they are derived from the same ratings.
type Scenario string

// Scenarios.
const (
	ScenarioFull      Scenario = "full"           // purchases and browsing
	ScenarioPurchases Scenario = "purchases-only" // ratings >= 4 only
	ScenarioDeclared  Scenario = "declared-only"  // favourite genres → genre popularity
	ScenarioNone      Scenario = "none"           // nothing personal: popularity
	ScenarioMix       Scenario = "mix"            // per user, one of the four above at random (seeded)
)

// Scenarios lists the scenarios from least to most personal data, with mix last.
var Scenarios = []Scenario{ScenarioNone, ScenarioDeclared, ScenarioPurchases, ScenarioFull, ScenarioMix}

// Valid reports whether s is a known scenario.
func (s Scenario) Valid() bool { return slices.Contains(Scenarios, s) }

// purchaseRating is the lowest rating that stands for a purchase.
const purchaseRating = 4

// declaredGenres is how many favourite genres a user declares.
const declaredGenres = 3

// ParseScenarios turns "all" or one scenario name into scenarios.
func ParseScenarios(name string) ([]Scenario, error) {
	if name == "all" {
		return slices.Clone(Scenarios), nil
	}
	if s := Scenario(name); s.Valid() {
		return []Scenario{s}, nil
	}
	return nil, candor.Errorf(candor.EInvalid, "unknown consent scenario %q: use full, purchases-only, declared-only, none, mix or all", name)
}

// evidence builds user histories under each scenario from training rows.
type evidence struct {
	m      *Model
	byUser [][]Row
	genres [][]string // item number → genres
	seed   uint64
}

// history returns the evidence scenario s lets the scorer read for user u.
func (e *evidence) history(dst []Evidence, u int32, s Scenario) []Evidence {
	switch s {
	case ScenarioMix:
		return e.history(dst, u, e.pick(u))
	case ScenarioFull, ScenarioPurchases:
		for _, r := range e.byUser[u] {
			switch {
			case r.Value >= purchaseRating:
				dst = append(dst, Evidence{Item: r.Item, Weight: 1, Source: "purchases"})
			case s == ScenarioFull:
				dst = append(dst, Evidence{Item: r.Item, Weight: 1, Source: "browsing"})
			}
		}
	case ScenarioDeclared:
		dst = e.declared(dst, u)
	}
	return dst
}

// pick returns the scenario user u draws in the mix.
func (e *evidence) pick(u int32) Scenario {
	return Scenarios[splitmix(e.seed^uint64(u))%4]
}

// declared returns user u's favourite genres as category evidence.
func (e *evidence) declared(dst []Evidence, u int32) []Evidence {
	counts := map[string]int{}
	total := 0
	for _, r := range e.byUser[u] {
		if int(r.Item) < len(e.genres) {
			for _, g := range e.genres[r.Item] {
				counts[g]++
				total++
			}
		}
	}
	type gc struct {
		g string
		n int
	}
	var list []gc
	for g, n := range counts {
		list = append(list, gc{g, n})
	}
	slices.SortFunc(list, func(a, b gc) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.g, b.g)
	})
	for _, x := range list[:min(len(list), declaredGenres)] {
		if row, ok := e.m.CategoryRow(x.g); ok {
			w := e.m.Params.PriorWeight * float64(x.n) / float64(total)
			dst = append(dst, Evidence{Item: row, Weight: w, Source: "declared"})
		}
	}
	return dst
}

// splitmix is the SplitMix64 finaliser: a cheap, well-mixed, deterministic
// hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
