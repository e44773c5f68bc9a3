package recommend_test

import (
	"context"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
)

// fakeReader returns stored states by customer; it counts reads.
type fakeReader struct {
	states map[string]*features.State
	err    error
	reads  int
	gpc    bool // the last read carried GPC
}

func (f *fakeReader) ReadState(_ context.Context, id string, req consent.Request, _ features.ReadOptions) (*features.State, error) {
	f.reads++
	f.gpc = req.GPC
	if f.err != nil {
		return nil, f.err
	}
	if st, ok := f.states[id]; ok {
		return st, nil
	}
	return &features.State{CustomerID: id, Decision: consent.Evaluate(nil, req), Interactions: map[consent.Scope][]features.Interaction{}}, nil
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// stateWith builds a state the way the gated read does: only granted sets.
func stateWith(id string, granted []consent.Scope, purchases, views []string, declared []string) *features.State {
	recs := map[consent.Scope]consent.Record{}
	for _, s := range consent.AllScopes {
		st := consent.Denied
		for _, g := range granted {
			if g == s {
				st = consent.Granted
			}
		}
		recs[s] = consent.Record{Scope: s, State: st, Time: now.Add(-time.Hour), PolicyVersion: 1, Source: consent.SourceAPI}
	}
	d := consent.Evaluate(recs, consent.Request{Now: now, PolicyVersion: 1})
	st := &features.State{CustomerID: id, Decision: d, Interactions: map[consent.Scope][]features.Interaction{}}
	g := d.Grant()
	if g.Has(consent.Purchases) {
		st.Interactions[consent.Purchases] = interactions(purchases)
	}
	if g.Has(consent.Browsing) {
		st.Interactions[consent.Browsing] = interactions(views)
	}
	if g.Has(consent.Declared) && declared != nil {
		st.Declared = &features.Declared{Categories: declared}
	}
	return st
}

func interactions(ids []string) []features.Interaction {
	out := make([]features.Interaction, len(ids))
	for i, id := range ids {
		out[i] = features.Interaction{Item: id, Last: now.Add(-time.Duration(len(ids)-i) * time.Hour), Count: 1 + i%3}
	}
	return out
}

func newService(r recommend.StateReader, cat *catalog.Snapshot, m recommend.Model) *recommend.Service {
	return recommend.NewService(recommend.Deps{
		Reader:  r,
		Model:   func() recommend.Model { return m },
		Catalog: func() *catalog.Snapshot { return cat },
		Request: func(gpc bool) consent.Request { return consent.Request{Now: now, PolicyVersion: 1, GPC: gpc} },
		Feedback: func(m map[string]string) features.FeedbackState {
			fs := features.FeedbackState{NotInterested: map[string]bool{}, HiddenCategories: map[string]bool{}}
			for k := range m {
				if len(k) > 3 && k[:3] == "ni:" {
					fs.NotInterested[k[3:]] = true
				}
				if len(k) > 3 && k[:3] == "hc:" {
					fs.HiddenCategories[k[3:]] = true
				}
			}
			return fs
		},
	}, recommend.Config{})
}
