package rules

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// TestApplyMatchesReference holds Apply, with its per-item caches, split
// conditions, native comparisons, bitsets, merges and pooled state, to a
// plain reading of its documentation: every condition compiled whole by
// expr and run for every candidate, one rule at a time.
func TestApplyMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cats := []*catalog.Snapshot{randomCatalog(rng), randomCatalog(rng)}
	for round := range 400 {
		rs := randomRuleset(rng)
		c, err := Compile(rs)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for k := range 3 { // the same Compiled, warm, over catalogs
			cat := cats[(round+k)%2]
			req := randomRequest(rng, cat)
			cands := randomCandidates(rng, cat)
			want := reference(c, req, slices.Clone(cands))
			got := c.Apply(req, slices.Clone(cands)).Candidates
			if diff := compareCandidates(got, want); diff != "" {
				t.Fatalf("round %d.%d: %s\nrules: %s\ngrant %s at %s on %s", round, k, diff, describe(rs), req.Grant, req.Now, req.Placement)
			}
		}
	}
}

func compareCandidates(got, want []Candidate) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d candidates %v, want %d %v", len(got), idsOf(got), len(want), idsOf(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Item != w.Item || g.Score != w.Score || !slices.Equal(g.Parts, w.Parts) {
			return fmt.Sprintf("at %d got %s %v %v, want %s %v %v\n got %v\nwant %v", i, g.Item.ID, g.Score, g.Parts, w.Item.ID, w.Score, w.Parts, idsOf(got), idsOf(want))
		}
	}
	return ""
}

func idsOf(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Item.ID
	}
	return out
}

func describe(rs Ruleset) string {
	var b strings.Builder
	for _, r := range rs.Rules {
		fmt.Fprintf(&b, "\n  %s %+v %v [%v,%v) when %q", r.ID, r.Action, r.Placements, r.From, r.Until, r.When)
	}
	return b.String()
}

// reference applies c the slow, obvious way.
func reference(c *Compiled, req Request, cands []Candidate) []Candidate {
	var v vm.VM
	var env Env
	env.setRequest(&req)
	programs := map[string]*vm.Program{} // the whole condition, compiled by expr alone
	holds := func(cr *compiledRule, it *catalog.Item) bool {
		if cr.When == "" {
			return true
		}
		p, ok := programs[cr.When]
		if !ok {
			var err error
			if p, err = expr.Compile(cr.When, expr.Env(Env{}), expr.AsBool()); err != nil {
				panic(err)
			}
			programs[cr.When] = p
		}
		env.setItem(it, req.sensitive(it))
		out, err := v.Run(p, &env)
		return err == nil && out.(bool)
	}
	var active []*compiledRule
	for i := range c.rules {
		if cr := &c.rules[i]; referenceActive(cr, &req) {
			active = append(active, cr)
		}
	}
	bought := map[string]time.Time{}
	for _, p := range req.Purchases {
		if p.Last.After(bought[p.Item]) {
			bought[p.Item] = p.Last
		}
	}
	var out []Candidate
	for _, cd := range cands {
		removed := false
		for _, cr := range active {
			switch cr.kind {
			case kindFilter:
				removed = removed || holds(cr, cd.Item)
			case kindExcludePurchased:
				t, ok := bought[cd.Item.ID]
				within := ok && (cr.lookback == 0 || req.Now.Sub(t) <= cr.lookback)
				removed = removed || within && holds(cr, cd.Item)
			}
		}
		if removed {
			continue
		}
		var parts []Part
		for _, cr := range active {
			if cr.kind != kindBoost && cr.kind != kindBury || !holds(cr, cd.Item) || cr.kind == kindBoost && req.sensitive(cd.Item) {
				continue
			}
			d := cr.Action.Add
			if cr.Action.Factor != 0 {
				d = cd.Score*cr.Action.Factor - cd.Score
			}
			kind := PartPromoted
			if cr.kind == kindBury {
				kind = PartDemoted
			}
			parts = append(parts, Part{Kind: kind, RuleID: cr.ID, Value: d})
			cd.Score += d
		}
		if parts != nil {
			cd.Parts = append(slices.Clone(cd.Parts), parts...)
		}
		out = append(out, cd)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.Item.ID, b.Item.ID)
	})
	for _, cr := range active {
		if cr.kind == kindLimit || cr.kind == kindDiversity {
			out = referenceCut(cr, out, holds)
		}
	}
	return referencePins(active, out, holds, &req)
}

func referenceActive(cr *compiledRule, req *Request) bool {
	if cr.From != nil && req.Now.Before(*cr.From) || cr.Until != nil && !req.Now.Before(*cr.Until) {
		return false
	}
	if len(cr.Placements) > 0 && !slices.Contains(cr.Placements, req.Placement) {
		return false
	}
	if cr.kind == kindExcludePurchased && !req.Grant.Has(consent.Purchases) {
		return false
	}
	for _, s := range cr.cond.sets {
		if !req.Grant.Has(s) {
			return false
		}
	}
	return true // request conjuncts are part of holds
}

func referenceCut(cr *compiledRule, in []Candidate, holds func(*compiledRule, *catalog.Item) bool) []Candidate {
	var out, deferred []Candidate
	counts := map[string]int{}
	for _, cd := range in {
		if !holds(cr, cd.Item) {
			out = append(out, cd)
			continue
		}
		key := "limit"
		if cr.kind == kindDiversity {
			key = cd.Item.Brand
			if cr.Action.Field == "category" {
				key = cd.Item.TopCategory()
			}
			if key == "" {
				out = append(out, cd)
				continue
			}
		}
		if counts[key]++; counts[key] <= cr.Action.Max {
			out = append(out, cd)
		} else if cr.kind == kindDiversity {
			deferred = append(deferred, cd)
		}
	}
	return append(out, deferred...)
}

func referencePins(active []*compiledRule, in []Candidate, holds func(*compiledRule, *catalog.Item) bool, req *Request) []Candidate {
	pinned := map[int]int{} // position in in -> slot asked
	by := map[int]string{}  // position in in -> the pin rule's ID
	var order []int
	for _, cr := range active {
		if cr.kind != kindPin {
			continue
		}
		for k, cd := range in {
			if _, done := pinned[k]; done || cr.Action.ItemID != "" && cd.Item.ID != cr.Action.ItemID {
				continue
			}
			if !req.sensitive(cd.Item) && holds(cr, cd.Item) {
				pinned[k], by[k] = cr.Action.Slot, cr.ID
				order = append(order, k)
			}
			if cr.Action.ItemID != "" || pinned[k] != 0 {
				break
			}
		}
	}
	out := make([]*Candidate, len(in))
	from := make([]int, len(in)) // position in in of out's
	for _, k := range order {
		pos := min(pinned[k], len(in)) - 1
		for p := pos; ; p++ {
			if p == len(in) { // none free after: the last free before
				for p = pos - 1; out[p] != nil; p-- {
				}
			}
			if out[p] == nil {
				out[p], from[p] = &in[k], k
				break
			}
		}
	}
	next := 0
	for p := range out {
		if out[p] != nil {
			continue
		}
		for _, isPinned := pinned[next]; isPinned; _, isPinned = pinned[next] {
			next++
		}
		out[p], from[p] = &in[next], next
		next++
	}
	res := make([]Candidate, len(out))
	for i, p := range out {
		res[i] = *p
		if id, ok := by[from[i]]; ok { // a pin is disclosed as a part of 0
			res[i].Parts = append(slices.Clone(p.Parts), Part{Kind: PartPinned, RuleID: id})
		}
	}
	return res
}

var (
	refBrands  = []string{"b1", "b2", "b3", ""}
	refCats    = []string{"c1", "c2", "c3", "health"}
	refColours = []string{"red", "blue"}
	refConds   = []string{
		`item.brand == "b1"`, `item.price < 50`, `item.category in ["c1", "c2"]`, `item.attributes["colour"] == "red"`,
		`"c1-x" in item.category_path`, `context.hour >= 12`, `customer.location.country == "DE"`, `placement == "home"`,
		`customer.declared.price_band == "mid"`, `item.brand in customer.declared.favourite_brands`,
		`item.category == context.category`, `item.id not in context.cart`, `any(customer.declared.favourite_brands, # == item.brand)`,
		`item.price > len(context.cart) * 10`, `item.category_path[1] == "c1-x"`, `customer.demographics.age_band != "18-24"`,
		`item.brand == "b2" or customer.location.region == "Bavaria"`, `context.item_id != item.id`,
	}
)

func randomCatalog(rng *rand.Rand) *catalog.Snapshot {
	items := make([]catalog.Item, 60)
	for i := range items {
		top := refCats[rng.IntN(len(refCats))]
		path := []string{top}
		if rng.IntN(2) == 0 {
			path = append(path, top+"-x")
		}
		items[i] = catalog.Item{ID: fmt.Sprintf("i%02d", i), Category: path, Brand: refBrands[rng.IntN(len(refBrands))],
			Price: float64(rng.IntN(100)), Available: true, Sensitive: rng.IntN(15) == 0,
			Attributes: map[string]string{"colour": refColours[rng.IntN(2)]}}
	}
	return catalog.NewSnapshot(items, []string{"health"})
}

func randomRuleset(rng *rand.Rand) Ruleset {
	rs := Ruleset{Name: "ref", Version: 1}
	for i := range 1 + rng.IntN(12) {
		r := Rule{ID: fmt.Sprintf("r%d", i), Action: randomAction(rng)}
		var conj []string
		for range rng.IntN(4) {
			conj = append(conj, refConds[rng.IntN(len(refConds))])
		}
		r.When = strings.Join(conj, " and ")
		if r.Action.Type == ActionFilter && rng.IntN(4) == 0 {
			r.When = "item.sensitive"
		}
		if r.Action.Type == ActionPin && r.Action.ItemID == "" && r.When == "" {
			r.When = "true"
		}
		if rng.IntN(4) == 0 {
			r.Placements = []string{Placements[rng.IntN(4)]}
		}
		if rng.IntN(5) == 0 {
			from := refNow.Add(time.Duration(rng.IntN(5)-2) * time.Hour)
			r.From = &from
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs
}

func randomAction(rng *rand.Rand) Action {
	switch rng.IntN(8) {
	case 0:
		return Action{Type: ActionFilter}
	case 1:
		return Action{Type: ActionBoost, Factor: 1 + float64(1+rng.IntN(20))/10}
	case 2:
		return Action{Type: ActionBoost, Add: float64(1+rng.IntN(30)) / 10}
	case 3:
		return Action{Type: ActionBury, Factor: float64(1+rng.IntN(9)) / 10}
	case 4:
		return Action{Type: ActionLimit, Max: 1 + rng.IntN(4)}
	case 5:
		return Action{Type: ActionDiversity, Field: []string{"brand", "category"}[rng.IntN(2)], Max: 1 + rng.IntN(3)}
	case 6:
		return Action{Type: ActionExcludePurchased, Lookback: []string{"", "24h", "3d"}[rng.IntN(3)]}
	}
	a := Action{Type: ActionPin, Slot: 1 + rng.IntN(12)}
	if rng.IntN(2) == 0 {
		a.ItemID = fmt.Sprintf("i%02d", rng.IntN(60))
	}
	return a
}

var refNow = time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)

func randomRequest(rng *rand.Rand, cat *catalog.Snapshot) Request {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.FeatureSets {
		if rng.IntN(2) == 0 {
			recs[s] = consent.Record{Scope: s, State: consent.Granted, Time: refNow.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
		}
	}
	req := Request{Placement: Placements[rng.IntN(4)], Now: refNow.Add(time.Duration(rng.IntN(240)-120) * time.Minute),
		Category: refCats[rng.IntN(len(refCats))], ItemID: fmt.Sprintf("i%02d", rng.IntN(60)), Cart: []string{"i01", "i02"}[:rng.IntN(3)],
		Grant:        consent.Evaluate(recs, consent.Request{Now: refNow, PolicyVersion: 1}).Grant(),
		Declared:     &features.Declared{Brands: []string{"b1", "b3"}[:rng.IntN(3)], PriceBand: "mid"},
		Location:     &features.Location{Country: []string{"DE", "FR"}[rng.IntN(2)], Region: "Bavaria"},
		Demographics: &features.Demographics{AgeBand: "25-34"}}
	for range rng.IntN(10) {
		req.Purchases = append(req.Purchases, features.Interaction{Item: fmt.Sprintf("i%02d", rng.IntN(60)), Last: refNow.Add(-time.Duration(rng.IntN(100)) * time.Hour)})
	}
	if rng.IntN(3) > 0 {
		req.Catalog = cat
	}
	return req
}

func randomCandidates(rng *rand.Rand, cat *catalog.Snapshot) []Candidate {
	items := cat.Items()
	perm := rng.Perm(len(items))[:rng.IntN(len(items))]
	out := make([]Candidate, len(perm))
	for i, k := range perm {
		s := float64(rng.IntN(20)) / 2
		out[i] = Candidate{Item: &items[k], Score: s, Parts: []Part{{Kind: "popular", Value: s}}}
	}
	if rng.IntN(2) == 0 {
		slices.SortFunc(out, func(a, b Candidate) int { return cmp.Compare(b.Score, a.Score) })
	}
	return out
}
