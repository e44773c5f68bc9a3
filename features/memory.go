package features

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/candorhq/candor/consent"
)

// Memory is an in-process Store with the semantics of the Redis one
// (redisstore/lua/ingest.lua and put_profile.lua): the same score packing,
// newest rating wins, the cap and the retention cutoff applied after every
// batch, and the
// collection-time gate (for contacts too: their channel must be granted),
// and a repeated event ID is a no-op. Offline evaluation loads a dataset
// through it, so that the states it ranks are the states the gated read
// would return after `candor import`; the store contract test holds the
// two to the same results. Contacts are remembered only to answer a repeat
// as Redis does, keys' TTLs are not kept, and event IDs
// are kept without the ID index's retention and cap (which bound only
// memory in Redis). Safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	decide   func(customerID string) consent.Decision
	scores   map[string]map[consent.Scope]map[string]float64
	profile  map[string]map[consent.Scope]map[string]string
	ids      map[string]bool // customer, set (or channel) and event ID stored
	contacts map[string]bool // customer and contact member recorded
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store whose gate asks decide, per customer,
// which sets are granted (as the stored consent would).
func NewMemory(decide func(customerID string) consent.Decision) *Memory {
	return &Memory{decide: decide, scores: map[string]map[consent.Scope]map[string]float64{},
		profile: map[string]map[consent.Scope]map[string]string{}, ids: map[string]bool{}, contacts: map[string]bool{}}
}

// Ingest stores the events whose set the customer grants; contacts whose
// channel is granted are accepted and not kept. It returns "",
// StoredBefore (a repeated event ID) or the consent reason per event.
func (m *Memory) Ingest(_ context.Context, evs []Routed, req consent.Request, ret Retention) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(evs))
	touched := map[string]map[consent.Scope]bool{}
	for i := range evs {
		ev := &evs[i]
		scope, cutoff := ev.Set, ret.Cutoff(ev.Set, req.Now)
		if scope == "" {
			scope, cutoff = ev.Channel, ret.ContactCutoff(req.Now)
		}
		if cutoff > 0 && ev.Time.Unix() < cutoff {
			out[i] = ReasonRetention
			continue
		}
		if e := m.decide(ev.CustomerID).Effective(scope); !e.Granted {
			out[i] = e.Reason
			continue
		}
		if ev.Set == "" {
			k := ev.CustomerID + "\x00" + ev.Member
			if m.seen(ev) || m.contacts[k] {
				out[i] = StoredBefore
			} else {
				m.contacts[k] = true
			}
			continue
		}
		if m.seen(ev) {
			out[i] = StoredBefore
			continue
		}
		m.add(ev)
		if touched[ev.CustomerID] == nil {
			touched[ev.CustomerID] = map[consent.Scope]bool{}
		}
		touched[ev.CustomerID][ev.Set] = true
	}
	for id, sets := range touched {
		for set := range sets {
			dropPast(m.scores[id][set], ret.Cutoff(set, req.Now))
			capSet(m.scores[id][set], ret.CapOf(set))
		}
	}
	return out, nil
}

// seen reports whether ev's event ID was stored in its set before, and
// remembers it.
func (m *Memory) seen(ev *Routed) bool {
	if ev.EventID == "" {
		return false
	}
	k := ev.CustomerID + "\x00" + string(ev.Set) + "\x00" + ev.EventID // Set is "" for a contact: one index per customer, as in Redis
	if m.ids[k] {
		return true
	}
	m.ids[k] = true
	return false
}

// add folds one event into its set, as ingest.lua does.
func (m *Memory) add(ev *Routed) {
	sets := m.scores[ev.CustomerID]
	if sets == nil {
		sets = map[consent.Scope]map[string]float64{}
		m.scores[ev.CustomerID] = sets
	}
	set := sets[ev.Set]
	if set == nil {
		set = map[string]float64{}
		sets[ev.Set] = set
	}
	old := InteractionOf(ev.Member, set[ev.Member])
	rating := old.Rating
	if ev.Rating > 0 && (ev.Time.Unix() >= old.Last.Unix() || rating == 0) {
		rating = ev.Rating
	}
	last := old.Last
	if ev.Time.Unix() > last.Unix() {
		last = ev.Time
	}
	set[ev.Member] = PackScore(last, min(old.Count+1, MaxCount), rating)
}

// dropPast removes the items last seen before cutoff (a Unix second; 0:
// none), as ingest.lua's ZREMRANGEBYSCORE does.
func dropPast(set map[string]float64, cutoff int64) {
	if cutoff <= 0 {
		return
	}
	for item, score := range set {
		if InteractionOf(item, score).Last.Unix() < cutoff {
			delete(set, item)
		}
	}
}

// capSet keeps the cap members with the highest (score, member), as
// ZREMRANGEBYRANK 0 -(cap+1) does.
func capSet(set map[string]float64, limit int) {
	if limit <= 0 || len(set) <= limit {
		return
	}
	xs := sortedMembers(set)
	for _, x := range xs[:len(xs)-limit] {
		delete(set, x.Item)
	}
}

type scored struct {
	Item  string
	Score float64
}

// sortedMembers returns a set's members in ZRANGE order: score, then member.
func sortedMembers(set map[string]float64) []scored {
	xs := make([]scored, 0, len(set))
	for k, v := range set {
		xs = append(xs, scored{k, v})
	}
	slices.SortFunc(xs, func(a, b scored) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Item, b.Item)
	})
	return xs
}

// PutProfile replaces a profile set if the customer grants it.
func (m *Memory) PutProfile(_ context.Context, id string, set consent.Scope, fields map[string]string, _ consent.Request, _ Retention) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.decide(id).Effective(set); !e.Granted {
		return e.Reason, nil
	}
	if m.profile[id] == nil {
		m.profile[id] = map[consent.Scope]map[string]string{}
	}
	m.profile[id][set] = fields
	return "", nil
}

// Customers returns every customer with stored data, sorted.
func (m *Memory) Customers() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for id := range m.scores {
		seen[id] = true
	}
	for id := range m.profile {
		seen[id] = true
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// State returns what the gated read returns for the customer under d:
// only the sets d grants, interactions oldest first.
func (m *Memory) State(id string, d consent.Decision) *State {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := &State{CustomerID: id, Decision: d, Interactions: map[consent.Scope][]Interaction{}}
	g := d.Grant()
	for _, set := range consent.FeatureSets {
		if !g.Has(set) {
			continue
		}
		if KindOf(set) == Profile {
			if f := m.profile[id][set]; len(f) > 0 {
				SetProfile(st, set, f)
			}
			continue
		}
		xs := sortedMembers(m.scores[id][set])
		out := make([]Interaction, len(xs))
		for i, x := range xs {
			out[i] = InteractionOf(x.Item, x.Score)
		}
		st.Interactions[set] = out
	}
	return st
}
