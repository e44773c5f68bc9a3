package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/trust"
)

// handleTrust answers GET /v1/trust?hours=N: the hourly trust totals of
// the last N hours (default 336, two weeks), summed over replicas, and
// the counts of customers now.
func handleTrust(tc *trust.Counter) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c, "hours"); err != nil {
			return err
		}
		n := 14 * 24
		if s := c.QueryParam("hours"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 || v > trust.MaxHours {
				return candor.Errorf(candor.EInvalid, "hours must be a whole number from 1 to %d, got %q", trust.MaxHours, s)
			}
			n = v
		}
		if tc == nil {
			return candor.Errorf(candor.EUnavailable, "Trust totals are not kept by this server.")
		}
		hours, err := tc.Hours(c.Request().Context(), n)
		if err != nil {
			return err
		}
		cs, err := tc.Customers(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"hours": hours, "customers": cs})
	}
}
