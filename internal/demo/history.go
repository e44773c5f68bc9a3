package demo

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// sampler draws items of a category with probability ∝ popularity × taste.
type sampler struct {
	byCat [][]int
}

func newSampler(models []itemModel, cats int) *sampler {
	s := &sampler{byCat: make([][]int, cats)}
	for i, m := range models {
		s.byCat[m.cat] = append(s.byCat[m.cat], i)
	}
	return s
}

// draw picks an item of category c for a customer with style st, by
// tournament: the best of a few popularity-weighted candidates by taste.
func (s *sampler) draw(rng *rand.Rand, models []itemModel, c int, st [styleDim]float64) int {
	pool := s.byCat[c]
	best, bestScore := pool[0], math.Inf(-1)
	for k := 0; k < 6; k++ {
		j := pool[popularIndex(rng, models, pool)]
		if sc := dot(st, models[j].style) + rng.NormFloat64()*0.5; sc > bestScore {
			best, bestScore = j, sc
		}
	}
	return best
}

// popularIndex draws an index of pool with probability ∝ weight, by
// rejection sampling against the heaviest item.
func popularIndex(rng *rand.Rand, models []itemModel, pool []int) int {
	maxW := 0.0
	for _, j := range pool[:min(len(pool), 64)] {
		maxW = math.Max(maxW, models[j].weight)
	}
	for tries := 0; tries < 200; tries++ {
		i := rng.IntN(len(pool))
		if rng.Float64()*maxW <= models[pool[i]].weight {
			return i
		}
	}
	return rng.IntN(len(pool))
}

// genHistory makes one customer's sessions: views around an anchor item,
// sometimes a purchase, often followed by a companion purchase.
func genHistory(rng *rand.Rand, cfg Config, cu Customer, t taste, models []itemModel, items []catalog.Item, s *sampler) []features.Event {
	sessions := 2 + rng.IntN(5)
	if cu.Preset == consent.PresetFull {
		sessions = 4 + rng.IntN(9)
	}
	start := cfg.Now.Add(-time.Duration(cfg.Days) * 24 * time.Hour)
	span := int64(cfg.Days)*24*int64(time.Hour) - int64(2*time.Hour) // sessions end before Now
	times := make([]time.Time, sessions)
	for i := range times {
		times[i] = start.Add(time.Duration(rng.Int64N(span)))
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	var evs []features.Event
	for _, at := range times {
		evs = append(evs, session(rng, cu.ID, at, t, models, items, s)...)
	}
	return evs
}

func session(rng *rand.Rand, id string, at time.Time, t taste, models []itemModel, items []catalog.Item, s *sampler) []features.Event {
	c := t.cats[rng.IntN(len(t.cats))]
	browseOnly := rng.Float64() < 0.05 // now and then a look outside one's tastes, without buying
	if browseOnly {
		c = rng.IntN(len(s.byCat))
	}
	anchor := s.draw(rng, models, c, t.style)
	ev := func(typ features.EventType, item int, value float64) features.Event {
		at = at.Add(time.Duration(30+rng.IntN(300)) * time.Second)
		return features.Event{CustomerID: id, Type: typ, ItemID: items[item].ID, Time: at.UTC().Truncate(time.Second), Value: value}
	}
	evs := []features.Event{ev(features.View, anchor, 0)}
	for k := rng.IntN(3); k > 0; k-- {
		evs = append(evs, ev(features.View, s.draw(rng, models, c, t.style), 0))
	}
	if browseOnly || rng.Float64() >= 0.45 {
		return evs
	}
	evs = append(evs, ev(features.AddToCart, anchor, 0), ev(features.Purchase, anchor, 0))
	if rng.Float64() < 0.3 {
		evs = append(evs, ev(features.Rating, anchor, float64(3+rng.IntN(3))))
	}
	if comps := models[anchor].companions; len(comps) > 0 && rng.Float64() < 0.65 {
		comp := comps[rng.IntN(len(comps))]
		evs = append(evs, ev(features.View, comp, 0), ev(features.Purchase, comp, 0))
	}
	return evs
}
