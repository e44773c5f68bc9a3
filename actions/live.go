package actions

import (
	"context"

	"github.com/candorhq/candor/versioned"
)

// Live holds the compiled live catalog for a server: the shared
// versioned.Live holder. Requests Load it without locks; Reload swaps in a
// newly published version whole, so each decision is made by exactly one
// version. Call Reload at start, on every redisstore.TopicActions notice,
// and on a timer (a notice sent while disconnected is lost).
type Live = versioned.Live[Catalog, Compiled]

// NewLive returns a holder of the live catalog, holding Empty() until the
// first Reload.
func NewLive(st versioned.Store) *Live {
	docs := versioned.NewService[Catalog, AuditEntry](st, kind{}, nil)
	return versioned.NewLive(Empty(), versioned.LiveOptions[Catalog, Compiled]{
		Load:            func(ctx context.Context) (Catalog, error) { return docs.Live(ctx, "") },
		Version:         func(c Catalog) int { return c.Version },
		CompiledVersion: (*Compiled).Version,
		Compile:         compileLive,
	})
}
