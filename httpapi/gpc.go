package httpapi

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor"
)

// gpcOf reports whether the request carries a Global Privacy Control signal.
func gpcOf(c echo.Context) bool { return strings.TrimSpace(c.Request().Header.Get("Sec-GPC")) == "1" }

// gpcSignal honours and records Sec-GPC: 1 the same way on every route
// that applies it to identified customers (recommendations, next-best
// actions, deliveries, events, profiles): the request is counted, and each
// customer's consent log gets the sale_share denial GPC implies, once
// (consent.Service.RecordGPC), off the request path (Deps.GPC). So a
// later request without the header is still denied sale_share. Consent
// routes record it within the request instead (noteGPC), since their
// answer shows the consent.
type gpcSignal struct {
	record func(customerID string) // nil: not recorded (tests of other things)
	count  prometheus.Counter
}

// of reports whether c carries GPC and, when it does, records it for
// each of ids that is a valid customer ID.
func (g *gpcSignal) of(c echo.Context, ids ...string) bool {
	if !gpcOf(c) {
		return false
	}
	g.count.Inc()
	for _, id := range ids {
		if g.record != nil && candor.ValidateID("customer id", id) == nil {
			g.record(id)
		}
	}
	return true
}
