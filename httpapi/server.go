// Package httpapi is Candor's HTTP transport: routes, authentication, input
// decoding, the one error table and the operational endpoints. Handlers
// decode, validate, make one domain call and encode; they never choose a
// status code.
package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/rights"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/trust"
)

// ReadyCheck is one named readiness condition; nil error means ready.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
	// Startup marks a check of something every replica shares (Redis): it
	// holds the server unready only until its first ready answer. Later
	// failures are reported (status "degraded") with a 200, so a shared
	// Redis going slow or down does not take every replica out of the load
	// balancer at once: they keep answering recommendations with the
	// labelled fallback and writes with 503.
	Startup bool
}

// Deps are the services the server exposes. Nil services leave their
// routes answering 503.
type Deps struct {
	Logger    *zap.Logger
	Registry  *prometheus.Registry // metrics are registered here and served on /metrics
	Keyring   *auth.Keyring
	Keys      KeyStore
	Ready     []ReadyCheck
	Consent   *consent.Service
	Catalog   *catalog.Live
	Items     CatalogStore
	Features  *features.Service
	Tokens    *auth.TokenVerifier // nil: customer tokens disabled
	Rights    *rights.Service
	Recommend *recommend.Service
	Models    *recommend.Registry
	Rules     *rules.Service
	// RulesReload makes a just-published ruleset live on this replica at
	// once (the others follow the pub/sub notice); may be nil.
	RulesReload func(ctx context.Context) error
	NextBest    *NextBest
	// Decisions is the recommendation decision writer, for its queue
	// metrics; may be nil.
	Decisions DecisionQueue
	// Trust keeps the hourly trust totals the console draws (its Run is
	// the caller's); nil: not kept, GET /v1/trust answers 503.
	Trust *trust.Counter
	Demo  *Demo // nil: not the embedded demo, no /demo routes
	// GPC records a Sec-GPC: 1 signal about a customer in the consent log
	// (consent.Service.RecordGPC) off the request path; it must not block.
	// Nil: signals are honoured but not recorded.
	GPC func(customerID string)
}

// Server is Candor's HTTP API.
type Server struct {
	echo    *echo.Echo
	log     *zap.Logger
	keyring *auth.Keyring
	deps    Deps
	metrics *httpMetrics
	consent *consentMetrics
	events  *eventMetrics
	domain  *domainMetrics
	gpc     *gpcSignal
}

// New returns the server with every route registered.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{echo: echo.New(), log: d.Logger, keyring: d.Keyring, deps: d, metrics: newHTTPMetrics(d.Registry)}
	s.consent = newConsentMetrics(d.Registry, d.Trust)
	if d.Consent != nil {
		d.Consent.OnChange(s.consent.count)
	}
	s.domain = newDomainMetrics(d.Registry, d.Recommend, d.Decisions, d.Trust)
	s.gpc = &gpcSignal{record: d.GPC, count: s.consent.gpc}
	s.events = newEventMetrics(d.Registry)
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.errorHandler
	s.echo.Use(s.requestIDMiddleware, s.accessLog, s.recoverMiddleware, bodyLimit, singleQuery)
	for _, r := range append(s.routes(), s.demoRoutes()...) {
		s.echo.Add(r.method, r.path, r.handler, s.authorize(r))
	}
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
