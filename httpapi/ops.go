package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
)

func handleHealthz() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

// readyTimeout bounds each readiness check (Redis must answer a PING in it).
const readyTimeout = 100 * time.Millisecond

type readyResponse struct {
	Status string            `json:"status"` // ready, degraded (a startup check fails after the first ready answer) or not_ready
	Checks map[string]string `json:"checks"`
}

// handleReadyz runs every check: 503 not_ready while one fails that gates
// readiness (any check before the first ready answer, then only those that
// are not ReadyCheck.Startup), 200 degraded while only startup checks fail
// after it, else 200 ready.
func handleReadyz(checks []ReadyCheck) echo.HandlerFunc {
	var wasReady atomic.Bool
	return func(c echo.Context) error {
		resp := readyResponse{Status: "ready", Checks: map[string]string{}}
		for _, chk := range checks {
			ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
			err := chk.Check(ctx)
			cancel()
			resp.Checks[chk.Name] = "ok"
			if err == nil {
				continue
			}
			resp.Checks[chk.Name] = candor.ErrorMessage(err)
			switch {
			case !chk.Startup || !wasReady.Load():
				resp.Status = "not_ready"
			case resp.Status == "ready":
				resp.Status = "degraded"
			}
		}
		if resp.Status == "not_ready" {
			return c.JSON(http.StatusServiceUnavailable, resp)
		}
		wasReady.Store(true)
		return c.JSON(http.StatusOK, resp)
	}
}

func handleMetrics(reg *prometheus.Registry) echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
}

//go:embed openapi.json
var openapiDoc []byte

func handleOpenAPI() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", openapiDoc)
	}
}

type whoamiResponse struct {
	KeyID string    `json:"key_id"`
	Name  string    `json:"name"`
	Role  auth.Role `json:"role"`
}

func handleWhoami() echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		return c.JSON(http.StatusOK, whoamiResponse{KeyID: p.KeyID, Name: p.KeyName, Role: p.Role})
	}
}
