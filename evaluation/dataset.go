package evaluation

import (
	"context"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/movielens"
)

// DatasetOptions say how a dataset becomes a corpus: as `candor import
// movielens` would store it with the same options and server settings.
type DatasetOptions struct {
	Import              movielens.ImportOptions
	Retention           features.Retention // default features.DefaultRetention()
	SensitiveCategories []string           // default catalog.DefaultSensitiveCategories
	PolicyVersion       int                // default 1
	Now                 func() time.Time   // the clock of ingestion; default time.Now
}

// FromDataset loads ds into memory through the ingestion `candor import`
// uses (movielens.Load, features.Service, the consent gate, the store's
// caps) and returns the states the gated read would then return.
func FromDataset(ctx context.Context, ds *movielens.Dataset, o DatasetOptions) (*Corpus, error) {
	if o.Retention.Cap == 0 {
		o.Retention = features.DefaultRetention()
	}
	if o.SensitiveCategories == nil {
		o.SensitiveCategories = catalog.DefaultSensitiveCategories
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &memorySink{decisions: map[string]consent.Decision{}, sensitive: o.SensitiveCategories,
		policy: max(o.PolicyVersion, 1), now: o.Now, cat: catalog.NewSnapshot(nil, o.SensitiveCategories)}
	s.mem = features.NewMemory(func(id string) consent.Decision { return s.decisions[id] })
	s.svc = features.NewService(s.mem, func() features.Catalog { return s.catalog() }, s.request, o.Retention)
	if _, err := movielens.Load(ctx, ds, o.Import, s, nil); err != nil {
		return nil, err
	}
	states := make([]*features.State, 0, len(s.decisions))
	for _, id := range ds.Customers() {
		states = append(states, s.mem.State(id, s.decisions[id]))
	}
	return NewCorpus(states, s.catalog()), nil
}

// memorySink is movielens.Sink over features.Memory.
type memorySink struct {
	items     []catalog.Item
	cat       *catalog.Snapshot
	stale     bool // items were added since cat was built
	sensitive []string
	decisions map[string]consent.Decision
	mem       *features.Memory
	svc       *features.Service
	policy    int
	now       func() time.Time
}

func (s *memorySink) request(gpc bool) consent.Request {
	return consent.Request{Now: s.now(), PolicyVersion: s.policy, GPC: gpc}
}

// PutItems adds items; the snapshot is built once, before the events that
// need it (as the store's sink reloads its catalog).
func (s *memorySink) PutItems(_ context.Context, items []catalog.Item) error {
	s.items = append(s.items, items...)
	s.stale = true
	return nil
}

func (s *memorySink) catalog() *catalog.Snapshot {
	if s.stale {
		s.cat, s.stale = catalog.NewSnapshot(s.items, s.sensitive), false
	}
	return s.cat
}

func (s *memorySink) PutPreset(_ context.Context, customer, preset string) error {
	req := s.request(false)
	recs := map[consent.Scope]consent.Record{}
	for _, r := range consent.PlanFor(nil, consent.Change{Preset: preset, Source: consent.SourceImport}, req) {
		recs[r.Scope] = r
	}
	s.decisions[customer] = consent.Evaluate(recs, req)
	return nil
}

func (s *memorySink) Collect(ctx context.Context, evs []features.Event) ([]features.Outcome, error) {
	return s.svc.Replay(ctx, evs) // MovieLens, with the times it was recorded at
}

func (s *memorySink) PutDeclared(ctx context.Context, customer string, d *features.Declared) error {
	return s.svc.PutProfile(ctx, customer, consent.Declared, d, false)
}
