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
// each rule, whether all of its item-only conjuncts hold.
type facts struct {
	match     bitset
	sensitive bool
}

// factCache remembers the facts of each item a ruleset has seen, keyed by
// the item's address: catalog snapshots are immutable and a reload makes
// new items, so an entry never goes stale. This is what keeps Apply far
// below one condition evaluation per rule and candidate.
type factCache struct {
	rules    int // rules in the ruleset
	programs int // item-only programs in the ruleset
	m        sync.Map
	n        atomic.Int64
}

// get returns the facts of it, computing them with v and env on a miss.
func (fc *factCache) get(c *Compiled, it *catalog.Item, req *Request, v *vm.VM, env *Env) *facts {
	if f, ok := fc.m.Load(it); ok {
		return f.(*facts)
	}
	f := c.computeFacts(it, req.sensitive(it), v, env)
	if fc.n.Add(1) > maxCachedItems {
		fc.m.Clear()
		fc.n.Store(0)
	}
	fc.m.Store(it, f)
	return f
}

// computeFacts evaluates every rule's item-only conjuncts for it.
func (c *Compiled) computeFacts(it *catalog.Item, sensitive bool, v *vm.VM, env *Env) *facts {
	f := &facts{sensitive: sensitive}
	env.setItem(it, sensitive)
	for i := range c.rules {
		if evalAll(v, c.rules[i].cond.item, env) {
			f.match.set(i)
		}
	}
	return f
}

// Warm computes and caches the facts of items, so that the first requests
// after a publish or a catalog reload pay nothing for them. It is safe to
// call concurrently with Apply.
func (c *Compiled) Warm(cat *catalog.Snapshot) {
	if cat == nil || c.facts.programs == 0 {
		return
	}
	var v vm.VM
	var env Env
	req := Request{Catalog: cat}
	items := cat.Items()
	for i := range items {
		c.facts.get(c, &items[i], &req, &v, &env)
	}
}
