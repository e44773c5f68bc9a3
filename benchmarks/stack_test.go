package benchmarks

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/httpapi"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// stack is a whole Candor server on the test's Redis.
type stack struct {
	db       *redistest.DB
	store    *redisstore.Store
	consent  *consent.Service
	catalog  *catalog.Live
	features *features.Service
	ts       *httptest.Server
	siteKey  string
}

func newStack(b *testing.B) *stack {
	b.Helper()
	db := redistest.New(b)
	st := redisstore.New(db.Client, db.Namespace)
	s := &stack{db: db, store: st}
	s.consent = consent.NewService(st, consent.Config{PolicyVersion: 1})
	s.catalog = catalog.NewLive(st, catalog.DefaultSensitiveCategories)
	s.features = features.NewService(st, func() features.Catalog { return s.catalog.Load() }, s.consent.Request, features.DefaultRetention())
	plain, k := auth.NewKey(auth.RoleSite, "bench", time.Now())
	ctx := context.Background()
	if err := st.PutKey(ctx, k); err != nil {
		b.Fatal(err)
	}
	kr := auth.NewKeyring(st)
	_ = kr.Reload(ctx)
	_ = st.LoadScripts(ctx)
	s.siteKey = plain
	s.ts = httptest.NewServer(httpapi.New(httpapi.Deps{Keyring: kr, Keys: st, Consent: s.consent, Catalog: s.catalog, Items: st, Features: s.features}))
	b.Cleanup(s.ts.Close)
	return s
}

// percentiles reports p50 and p99 of durations in microseconds.
func percentiles(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
