package rules

import (
	"context"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/versioned"
)

// Live holds the compiled live version of one ruleset for a server: the
// shared versioned.Live holder, which also warms a new version's item
// facts before swapping it in, so that requests never meet it cold. Requests Load it without locks. Call Reload at
// start, on every redisstore.TopicRules notice, and on a timer (a notice
// sent while disconnected is lost).
type Live struct {
	*versioned.Live[Ruleset, Compiled]
	catalog func() *catalog.Snapshot
}

// NewLive returns a holder of the live version of name, holding
// Empty(name) until the first Reload. catalog (may be nil) gives the
// catalog whose item facts Reload precomputes after a swap.
func NewLive(st versioned.Store, name string, catalog func() *catalog.Snapshot) *Live {
	docs := versioned.NewService[Ruleset, AuditEntry](st, kind{}, nil)
	l := &Live{catalog: catalog}
	l.Live = versioned.NewLive(Empty(name), versioned.LiveOptions[Ruleset, Compiled]{
		Load:            func(ctx context.Context) (Ruleset, error) { return docs.Live(ctx, name) },
		Version:         func(rs Ruleset) int { return rs.Version },
		CompiledVersion: (*Compiled).Version,
		Compile:         func(rs Ruleset, err error) (*Compiled, error) { return compileLive(name, rs, err) },
		Prepare:         func(c *Compiled) { l.warm(c) },
	})
	return l
}

// Warm precomputes the held version's facts for the current catalog; call
// it after a catalog reload so that the first requests on the new catalog
// stay fast. It does nothing without a catalog func.
func (l *Live) Warm() { l.warm(l.Load()) }

func (l *Live) warm(c *Compiled) {
	if l.catalog != nil {
		c.Warm(l.catalog())
	}
}
