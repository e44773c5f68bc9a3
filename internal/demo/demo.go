package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Config sizes the data set.
type Config struct {
	Seed       uint64
	Items      int
	Customers  int
	Categories int // at most len(categories) = 24
	Days       int // history window before Now
	Now        time.Time
}

// DefaultConfig is the demo `go run ./cmd/candor` serves: 2,400 items in 24
// categories, 1,200 customers, 89 days of history: within browsing's
// default retention of 90 days with a day to spare for seeding, so that
// only sensitive interactions (kept 30 days) are past it.
func DefaultConfig(now time.Time) Config {
	return Config{Seed: 1, Items: 2400, Customers: 1200, Categories: len(categories), Days: 89, Now: now}
}

// Customer is one demo customer with a consent choice and stated profile.
type Customer struct {
	ID           string
	Preset       string                          // none | basic | full
	Scopes       map[consent.Scope]consent.State // per-scope overrides of the preset
	Declared     *features.Declared
	Location     *features.Location
	Demographics *features.Demographics
}

// Dataset is the generated shop.
type Dataset struct {
	Items               []catalog.Item
	Customers           []Customer
	Events              []features.Event // oldest first
	SensitiveCategories []string
}

// taste is a customer's hidden preferences.
type taste struct {
	cats  []int
	style [styleDim]float64
}

// Generate builds the data set for cfg. It is deterministic in cfg.
func Generate(cfg Config) *Dataset {
	cfg.Categories = min(max(cfg.Categories, 1), len(categories))
	rng := rngFor(cfg)
	items, models := genCatalog(rng, cfg.Items, cfg.Categories)
	ds := &Dataset{Items: items, SensitiveCategories: SensitiveCategories}
	sampler := newSampler(models, cfg.Categories)
	for c := 0; c < cfg.Customers; c++ {
		cust, t := genCustomer(rng, c, cfg.Categories)
		ds.Customers = append(ds.Customers, cust)
		ds.Events = append(ds.Events, genHistory(rng, cfg, cust, t, models, items, sampler)...)
	}
	sort.SliceStable(ds.Events, func(i, j int) bool { return ds.Events[i].Time.Before(ds.Events[j].Time) })
	return ds
}

// rngFor is the random source of a data set: the same for the same seed.
func rngFor(cfg Config) *rand.Rand { return rand.New(rand.NewPCG(cfg.Seed, 0x5eed)) }

var countries = []string{"DE", "FR", "NL", "ES", "IT", "SE", "PL", "AT"}

func genCustomer(rng *rand.Rand, c, cats int) (Customer, taste) {
	cu := Customer{ID: fmt.Sprintf("c-%05d", c), Scopes: map[consent.Scope]consent.State{}}
	t := taste{cats: tastes(rng, cats)}
	for d := range t.style {
		t.style[d] = rng.NormFloat64()
	}
	switch r := rng.Float64(); {
	case r < 0.15:
		cu.Preset = consent.PresetNone
	case r < 0.40:
		cu.Preset = consent.PresetBasic
	default:
		cu.Preset = consent.PresetFull
	}
	chooseExtras(rng, &cu, t)
	if cu.Preset == consent.PresetFull && c%4 == 0 {
		// Every fourth customer who chose full personalization also said
		// yes to email, push and partner offers, so the demo's channels
		// and its data-sharing offer have customers to show (drawn without
		// the random source, so the rest of the shop stays as it was).
		for _, s := range []consent.Scope{consent.Email, consent.Push, consent.SaleShare} {
			cu.Scopes[s] = consent.Granted
		}
	}
	return cu, t
}

// tastes picks a customer's 2-3 favourite categories from one persona
// (earlier personas are more common), so that what one customer buys
// belongs together; categories at or past cats are left out.
func tastes(rng *rand.Rand, cats int) []int {
	var pool []int
	for _, name := range personas[int(math.Min(float64(len(personas)-1), math.Abs(rng.NormFloat64())*float64(len(personas))/2.5))] {
		if i := slices.IndexFunc(categories[:cats], func(c category) bool { return c.name == name }); i >= 0 {
			pool = append(pool, i)
		}
	}
	want := 2 + rng.IntN(2)
	var out []int
	for _, k := range rng.Perm(len(pool)) {
		if len(out) < want {
			out = append(out, pool[k])
		}
	}
	for len(out) < min(2, cats) { // a small shop may lack the persona's categories
		if k := rng.IntN(cats); !containsInt(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func chooseExtras(rng *rand.Rand, cu *Customer, t taste) {
	if cu.Preset == consent.PresetFull && rng.Float64() < 0.06 {
		cu.Scopes[consent.Sensitive] = consent.Granted
	}
	if cu.Preset != consent.PresetNone && rng.Float64() < 0.3 {
		cu.Scopes[consent.Email] = consent.Granted
	}
	if rng.Float64() < 0.2 {
		cu.Scopes[consent.Push] = consent.Granted
	}
	if cu.Preset == consent.PresetNone {
		return
	}
	fav := make([]string, 0, 2)
	for _, c := range t.cats[:2] {
		fav = append(fav, categories[c].name)
	}
	cu.Declared = &features.Declared{Categories: fav, PriceBand: []string{"budget", "mid", "premium"}[rng.IntN(3)]}
	if cu.Preset == consent.PresetFull {
		cu.Location = &features.Location{Country: countries[rng.IntN(len(countries))]}
		if rng.Float64() < 0.7 {
			cu.Demographics = &features.Demographics{AgeBand: features.AgeBands[rng.IntN(len(features.AgeBands))]}
		}
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
