package demo

import (
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestDefaultDatasetShape(t *testing.T) {
	ds := Generate(DefaultConfig(now))
	if len(ds.Items) < 2000 || len(ds.Customers) < 1000 {
		t.Fatalf("%d items, %d customers", len(ds.Items), len(ds.Customers))
	}
	cats, sensitive := map[string]bool{}, map[string]bool{}
	for _, it := range ds.Items {
		if err := it.Validate(); err != nil {
			t.Fatalf("item %s invalid: %v", it.ID, err)
		}
		cats[it.TopCategory()] = true
		if it.Sensitive {
			sensitive[it.TopCategory()] = true
		}
	}
	if len(cats) < 20 || !sensitive["health"] || !sensitive["maternity"] || len(sensitive) != 2 {
		t.Errorf("%d categories, sensitive %v", len(cats), sensitive)
	}
	presets := map[string]int{}
	grantsSensitive := 0
	for _, c := range ds.Customers {
		presets[c.Preset]++
		if c.Scopes[consent.Sensitive] == consent.Granted {
			grantsSensitive++
		}
	}
	if presets["none"] == 0 || presets["basic"] == 0 || presets["full"] == 0 || grantsSensitive == 0 {
		t.Errorf("consent mix %v, %d grant sensitive", presets, grantsSensitive)
	}
	for _, e := range ds.Events {
		if e.Time.After(now) || e.Time.Before(now.Add(-121*24*time.Hour)) {
			t.Fatalf("event at %v outside the window", e.Time)
		}
	}
	t.Logf("%d items, %d customers %v, %d events", len(ds.Items), len(ds.Customers), presets, len(ds.Events))
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 3, Items: 300, Customers: 50, Categories: 24, Days: 30, Now: now}
	a, b := Generate(cfg), Generate(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different data")
	}
	cfg.Seed = 4
	if reflect.DeepEqual(a.Events, Generate(cfg).Events) {
		t.Error("different seeds, same events")
	}
}

func TestLongTail(t *testing.T) {
	ds := Generate(DefaultConfig(now))
	counts := map[string]int{}
	for _, e := range ds.Events {
		counts[e.ItemID]++
	}
	var c []int
	for _, n := range counts {
		c = append(c, n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(c)))
	top, total := 0, 0
	for i, n := range c {
		if i < len(ds.Items)/10 {
			top += n
		}
		total += n
	}
	if share := float64(top) / float64(total); share < 0.4 {
		t.Errorf("top 10%% of items get %.0f%% of interactions, want > 40%%", 100*share)
	}
}

// TestStructureIsLearnable holds out each full-consent customer's last
// purchase and shows item co-occurrence predicts it far better than
// popularity: the demo is worth personalizing.
func TestStructureIsLearnable(t *testing.T) {
	ds := Generate(DefaultConfig(now))
	full := map[string]bool{}
	for _, c := range ds.Customers {
		if c.Preset == consent.PresetFull {
			full[c.ID] = true
		}
	}
	hist := map[string][]string{}
	for _, e := range ds.Events {
		if e.Type == features.Purchase || e.Type == features.View {
			hist[e.CustomerID] = append(hist[e.CustomerID], string(e.Type)+"\x00"+e.ItemID)
		}
	}
	train, test := split(hist, full)
	pop := popularity(train)
	co := cooccurrence(train)
	var hitPop, hitCo, n int
	for id, target := range test {
		seen := map[string]bool{}
		for _, it := range train[id] {
			seen[it] = true
		}
		n++
		if contains(topN(pop, seen, 10), target) {
			hitPop++
		}
		if contains(topN(score(co, train[id], pop), seen, 10), target) {
			hitCo++
		}
	}
	rp, rc := float64(hitPop)/float64(n), float64(hitCo)/float64(n)
	t.Logf("hit rate@10 on %d held-out purchases: popularity %.3f, co-occurrence %.3f", n, rp, rc)
	if rc < 1.5*rp || rc < 0.1 {
		t.Errorf("co-occurrence %.3f is not clearly better than popularity %.3f", rc, rp)
	}
}

func split(hist map[string][]string, full map[string]bool) (map[string][]string, map[string]string) {
	train, test := map[string][]string{}, map[string]string{}
	for id, evs := range hist {
		target := ""
		for _, e := range evs {
			if e[:8] == "purchase" && full[id] {
				target = e[len(e)-7:]
			}
		}
		if target != "" {
			test[id] = target
		}
		for _, e := range evs { // the held-out item leaves the history entirely
			if item := e[len(e)-7:]; item != target {
				train[id] = append(train[id], item)
			}
		}
	}
	return train, test
}

func popularity(train map[string][]string) map[string]float64 {
	p := map[string]float64{}
	for _, items := range train {
		for _, it := range items {
			p[it]++
		}
	}
	return p
}

func cooccurrence(train map[string][]string) map[string]map[string]float64 {
	co := map[string]map[string]float64{}
	for _, items := range train {
		for _, a := range items {
			if co[a] == nil {
				co[a] = map[string]float64{}
			}
			for _, b := range items {
				if a != b {
					co[a][b]++
				}
			}
		}
	}
	return co
}

func score(co map[string]map[string]float64, history []string, pop map[string]float64) map[string]float64 {
	s := map[string]float64{}
	for _, h := range history {
		for j, w := range co[h] {
			s[j] += w / math.Sqrt(pop[h]*pop[j]) // cosine
		}
	}
	for j, p := range pop {
		s[j] += p * 1e-6 // popularity breaks ties
	}
	return s
}

func topN(s map[string]float64, seen map[string]bool, n int) []string {
	var ids []string
	for id := range s {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		if s[ids[i]] != s[ids[j]] {
			return s[ids[i]] > s[ids[j]]
		}
		return ids[i] < ids[j]
	})
	return ids[:min(n, len(ids))]
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
