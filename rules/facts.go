package rules

import (
	"sync"
	"sync/atomic"

	"github.com/expr-lang/expr/vm"

	"github.com/candorhq/candor/catalog"
)

// maxCachedItems bounds a ruleset's fact cache; past it the cache starts
// over. It is well above a catalog's size, so it only clears after many
// catalog reloads have left stale items behind.
const maxCachedItems = 1 << 18

// words is the size of a rule bitset: one bit per rule, MaxRules at most.
const words = (MaxRules + 63) / 64

// bitset has bit i set for rule i.
type bitset [words]uint64

func (b *bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b *bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// facts is what a ruleset knows about one item whatever the request: for
// each rule, whether all of its item-only conjuncts hold, and the item
// side of each comparison.
type facts struct {
	match     bitset
	sensitive bool
	values    []operand // item sides of comparisons, by comparison.slot
	// brand and category (top level) as small numbers for diversity
	// counts, -1 when empty.
	brand, category int32
}

// factCache remembers the facts of each item a ruleset has seen, keyed by
// the item's address: catalog snapshots are immutable and a reload makes
// new items, so an entry never goes stale. This is what keeps Apply far
// below one condition evaluation per rule and candidate. There is a table
// per catalog snapshot, the current and the previous one (requests that
// started before a catalog reload), so that older snapshots can be freed.
type factCache struct {
	programs  int  // item-only programs in the ruleset
	values    int  // comparisons in the ruleset
	diversity bool // the ruleset has diversity rules
	names     interner
	tables    atomic.Pointer[[2]*factTable] // current, previous
	mu        sync.Mutex                    // serializes new tables
}

// factTable holds the facts of the items of one snapshot (nil: items of
// requests without a catalog). Reads go to an immutable map without
// locking; new facts wait in a locked map until there are enough of them,
// or they were looked up often enough, to be worth a new immutable map.
type factTable struct {
	snap  *catalog.Snapshot
	read  atomic.Pointer[map[*catalog.Item]*facts]
	mu    sync.Mutex
	dirty map[*catalog.Item]*facts // guarded by mu
	hits  int                      // lookups served from dirty; guarded by mu
}

// promoteAfter is how many lookups the locked map serves before its facts
// move to the immutable one (which also happens once it holds a quarter
// as many items).
const promoteAfter = 1024

// get returns the facts of it, computing them with v and env on a miss and
// counting their evaluations in m. Facts that m's budget cut short are
// returned but not kept.
func (t *factTable) get(c *Compiled, it *catalog.Item, req *Request, v *vm.VM, env *Env, m *meter) *facts {
	if m := t.read.Load(); m != nil {
		if f, ok := (*m)[it]; ok {
			return f
		}
	}
	t.mu.Lock()
	f, ok := t.dirty[it]
	if ok {
		t.hits++
		t.maybePromote()
	}
	t.mu.Unlock()
	if ok {
		return f
	}
	f, complete := c.computeFacts(it, req.sensitive(it), v, env, m)
	if !complete {
		return f
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dirty == nil {
		t.dirty = map[*catalog.Item]*facts{}
	}
	t.dirty[it] = f
	t.maybePromote()
	return f
}

// maybePromote moves the locked map into a new immutable one when due, and
// starts over when the table is past maxCachedItems. Callers hold mu.
func (t *factTable) maybePromote() {
	var read map[*catalog.Item]*facts
	if m := t.read.Load(); m != nil {
		read = *m
	}
	if len(read)+len(t.dirty) > maxCachedItems {
		t.read.Store(nil)
		t.dirty, t.hits = nil, 0
		return
	}
	if t.hits < promoteAfter && len(t.dirty) < max(64, len(read)/4) {
		return
	}
	merged := make(map[*catalog.Item]*facts, len(read)+len(t.dirty))
	for k, f := range read {
		merged[k] = f
	}
	for k, f := range t.dirty {
		merged[k] = f
	}
	t.read.Store(&merged)
	t.dirty, t.hits = nil, 0
}

// table returns the table of snap, starting one (and dropping the one
// before the current) when snap is new.
func (fc *factCache) table(snap *catalog.Snapshot) *factTable {
	if ts := fc.tables.Load(); ts != nil {
		for _, t := range ts {
			if t != nil && t.snap == snap {
				return t
			}
		}
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	var cur *factTable
	if ts := fc.tables.Load(); ts != nil {
		for _, t := range ts {
			if t != nil && t.snap == snap {
				return t
			}
		}
		cur = ts[0]
	}
	t := &factTable{snap: snap}
	fc.tables.Store(&[2]*factTable{t, cur})
	return t
}

// computeFacts evaluates every rule's item-only conjuncts for it, counting
// in m; complete is false when m's budget refused an evaluation.
func (c *Compiled) computeFacts(it *catalog.Item, sensitive bool, v *vm.VM, env *Env, m *meter) (f *facts, complete bool) {
	f = &facts{sensitive: sensitive, brand: c.facts.names.id(it.Brand), category: c.facts.names.id(it.TopCategory())}
	if c.facts.values > 0 {
		f.values = make([]operand, c.facts.values)
	}
	env.setItem(it, sensitive)
	for i := range c.rules {
		cond := &c.rules[i].cond
		if ok, _ := m.holds(v, env, i, cond.item); ok {
			f.match.set(i)
		}
		for k := range cond.compare {
			cmp := &cond.compare[k]
			f.values[cmp.slot] = m.value(v, env, i, &cmp.item)
		}
	}
	return f, m == nil || !m.over
}

// needed reports whether the ruleset has anything to know per item.
func (fc *factCache) needed() bool { return fc.programs+fc.values > 0 || fc.diversity }

// interner numbers brands and categories, so that diversity counts in a
// slice rather than a map.
type interner struct {
	mu  sync.Mutex
	ids map[string]int32
}

// id returns the number of s, -1 for "".
func (in *interner) id(s string) int32 {
	if s == "" {
		return -1
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	id, ok := in.ids[s]
	if !ok {
		if in.ids == nil {
			in.ids = map[string]int32{}
		}
		id = int32(len(in.ids))
		in.ids[s] = id
	}
	return id
}

// Warm computes and caches the facts of items, so that the first requests
// after a publish or a catalog reload pay nothing for them. It spends at
// most MaxItemCost operations per item of the catalog in all (what a
// published version is estimated to stay under); past that it stops, and
// requests compute the remaining facts within their own budgets. It is
// safe to call concurrently with Apply.
func (c *Compiled) Warm(cat *catalog.Snapshot) {
	if cat == nil || !c.facts.needed() {
		return
	}
	var v vm.VM
	var env Env
	req := Request{Catalog: cat}
	t := c.facts.table(cat)
	items := cat.Items()
	m := &meter{limit: sat(len(items) * MaxItemCost)}
	for i := range items {
		if t.get(c, &items[i], &req, &v, &env, m); m.over {
			return
		}
	}
}
