package rulestest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/rules"
)

// MemStore is an in-process rules.Store that keeps the same contract as
// the Redis one, for tests of code that uses rulesets.
type MemStore struct {
	mu       sync.Mutex
	drafts   map[string]rules.Ruleset
	versions map[string][]rules.Ruleset
	audit    []rules.AuditEntry
	// OnPublish, when set, is called after each publish, as Redis
	// notifies replicas.
	OnPublish func()
}

var _ rules.Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{drafts: map[string]rules.Ruleset{}, versions: map[string][]rules.Ruleset{}}
}

// RulesetDraft implements rules.Store.
func (m *MemStore) RulesetDraft(_ context.Context, name string) (rules.Ruleset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[name]
	if !ok {
		return rules.Ruleset{}, notFound("draft", name)
	}
	return clone(d), nil
}

// PutRulesetDraft implements rules.Store.
func (m *MemStore) PutRulesetDraft(_ context.Context, rs rules.Ruleset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drafts[rs.Name] = clone(rs)
	return nil
}

// PublishRuleset implements rules.Store.
func (m *MemStore) PublishRuleset(_ context.Context, rs rules.Ruleset, e rules.AuditEntry) error {
	m.mu.Lock()
	vs := m.versions[rs.Name]
	if rs.Version != len(vs)+1 {
		m.mu.Unlock()
		return candor.Errorf(candor.EConflict, "version %d of %s was published meanwhile; try again", len(vs), rs.Name)
	}
	m.versions[rs.Name] = append(vs, clone(rs))
	e.ID = fmt.Sprintf("%d-0", len(m.audit)+1)
	m.audit = append(m.audit, e)
	notify := m.OnPublish
	m.mu.Unlock()
	if notify != nil {
		notify()
	}
	return nil
}

// LiveRuleset implements rules.Store.
func (m *MemStore) LiveRuleset(ctx context.Context, name string) (rules.Ruleset, error) {
	m.mu.Lock()
	n := len(m.versions[name])
	m.mu.Unlock()
	if n == 0 {
		return rules.Ruleset{}, notFound("live version", name)
	}
	return m.RulesetVersion(ctx, name, n)
}

// RulesetVersion implements rules.Store.
func (m *MemStore) RulesetVersion(_ context.Context, name string, n int) (rules.Ruleset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vs := m.versions[name]
	if n < 1 || n > len(vs) {
		return rules.Ruleset{}, notFound(fmt.Sprintf("version %d", n), name)
	}
	return clone(vs[n-1]), nil
}

// RulesetVersions implements rules.Store.
func (m *MemStore) RulesetVersions(_ context.Context, name string) ([]rules.Ruleset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []rules.Ruleset{}
	for _, v := range m.versions[name] {
		out = append(out, clone(v))
	}
	return out, nil
}

// RulesAudit implements rules.Store.
func (m *MemStore) RulesAudit(_ context.Context, limit int) ([]rules.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []rules.AuditEntry{}
	for i := len(m.audit) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.audit[i])
	}
	return out, nil
}

func notFound(what, name string) error {
	return candor.Errorf(candor.ENotFound, "ruleset %s has no %s", name, what)
}

// clone copies rs through JSON, as a store that serializes would.
func clone(rs rules.Ruleset) rules.Ruleset {
	b, err := json.Marshal(rs)
	if err != nil {
		panic(err)
	}
	var out rules.Ruleset
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
