package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/recommend"
)

func handleListModels(reg *recommend.Registry) echo.HandlerFunc {
	return func(c echo.Context) error {
		infos, err := reg.List(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"models": infos})
	}
}

func handleActivateModel(reg *recommend.Registry) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := c.Param("version")
		if v == "" || len(v) > 128 {
			return candor.Errorf(candor.EInvalid, "a model version is 1-128 characters")
		}
		if err := reg.Activate(c.Request().Context(), v); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"live": v})
	}
}
