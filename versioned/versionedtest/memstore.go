package versionedtest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

// MemStore is an in-process versioned.Store that keeps the same contract
// as the Redis one, for tests of code that publishes documents.
type MemStore struct {
	mu       sync.Mutex
	drafts   map[versioned.Ref][]byte
	versions map[versioned.Ref][][]byte
	audit    []memEntry
	// OnPublish, when set, is called after each publish with the kind, as
	// Redis announces it to replicas.
	OnPublish func(kind string)
}

type memEntry struct {
	doc versioned.Ref
	rec versioned.Record
}

var _ versioned.Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{drafts: map[versioned.Ref][]byte{}, versions: map[versioned.Ref][][]byte{}}
}

// DocDraft implements versioned.Store.
func (m *MemStore) DocDraft(_ context.Context, doc versioned.Ref) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.drafts[doc]
	if !ok {
		return nil, notFound(doc, "draft")
	}
	return slices.Clone(b), nil
}

// PutDocDraft implements versioned.Store.
func (m *MemStore) PutDocDraft(_ context.Context, doc versioned.Ref, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drafts[doc] = slices.Clone(body)
	return nil
}

// PublishDoc implements versioned.Store.
func (m *MemStore) PublishDoc(_ context.Context, doc versioned.Ref, n int, body, entry []byte) error {
	m.mu.Lock()
	vs := m.versions[doc]
	if n != len(vs)+1 {
		m.mu.Unlock()
		return candor.Errorf(candor.EConflict, "Version %d cannot be published: the newest version is %d now; reload and try again.", n, len(vs))
	}
	m.versions[doc] = append(vs, slices.Clone(body))
	m.audit = append(m.audit, memEntry{doc: doc, rec: versioned.Record{ID: fmt.Sprintf("%d-0", len(m.audit)+1), Entry: slices.Clone(entry)}})
	notify := m.OnPublish
	m.mu.Unlock()
	if notify != nil {
		notify(doc.Kind)
	}
	return nil
}

// LiveDoc implements versioned.Store.
func (m *MemStore) LiveDoc(ctx context.Context, doc versioned.Ref) ([]byte, error) {
	m.mu.Lock()
	n := len(m.versions[doc])
	m.mu.Unlock()
	if n == 0 {
		return nil, notFound(doc, "published version")
	}
	return m.DocVersion(ctx, doc, n)
}

// DocVersion implements versioned.Store.
func (m *MemStore) DocVersion(_ context.Context, doc versioned.Ref, n int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vs := m.versions[doc]
	if n < 1 || n > len(vs) {
		return nil, notFound(doc, fmt.Sprintf("version %d", n))
	}
	return slices.Clone(vs[n-1]), nil
}

// DocVersions implements versioned.Store.
func (m *MemStore) DocVersions(_ context.Context, doc versioned.Ref) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := [][]byte{}
	for _, v := range m.versions[doc] {
		out = append(out, slices.Clone(v))
	}
	return out, nil
}

// DocAudit implements versioned.Store.
func (m *MemStore) DocAudit(_ context.Context, doc versioned.Ref, limit int) ([]versioned.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []versioned.Record{}
	for i := len(m.audit) - 1; i >= 0 && len(out) < limit; i-- {
		e := m.audit[i]
		if e.doc.Kind == doc.Kind && (doc.Name == "" || e.doc.Name == doc.Name) {
			out = append(out, e.rec)
		}
	}
	return out, nil
}

func notFound(doc versioned.Ref, what string) error {
	return candor.Errorf(candor.ENotFound, "%s %s has no %s", doc.Kind, doc.Name, what)
}
