package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
)

var searchParams = []string{"q", "category", "ids", "limit"}

type searchResponse struct {
	Items []catalog.Item `json:"items"`
	Total int            `json:"total"` // items that matched, of which at most limit are listed
}

// handleSearchItems finds catalog items by words, category or IDs, from
// the in-memory catalog: what the console's pickers and a shop's product
// cards need.
func handleSearchItems(live *catalog.Live) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := searchQuery(c)
		if err != nil {
			return err
		}
		items, total := live.Load().Search(q)
		if items == nil {
			items = []catalog.Item{}
		}
		return c.JSON(http.StatusOK, searchResponse{Items: items, Total: total})
	}
}

// searchQuery decodes ?q=&category=&ids=a,b&limit=.
func searchQuery(c echo.Context) (catalog.Query, error) {
	if err := onlyParams(c, searchParams...); err != nil {
		return catalog.Query{}, err
	}
	params := c.QueryParams()
	q := catalog.Query{Text: params.Get("q"), Category: params.Get("category")}
	if len(q.Text) > 200 {
		return q, candor.Errorf(candor.EInvalid, "q may be at most 200 characters")
	}
	if s := params.Get("ids"); s != "" {
		q.IDs = strings.Split(s, ",")
		if len(q.IDs) > catalog.MaxSearchLimit {
			return q, candor.Errorf(candor.EInvalid, "ids may list at most %d items", catalog.MaxSearchLimit)
		}
		q.Limit = len(q.IDs)
	}
	if s := params.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > catalog.MaxSearchLimit {
			return q, candor.Errorf(candor.EInvalid, "limit must be a whole number from 1 to %d, got %q", catalog.MaxSearchLimit, s)
		}
		q.Limit = n
	}
	return q, nil
}

// handleFacets lists the catalog's categories (two levels) and brands with
// their item counts.
func handleFacets(live *catalog.Live) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, live.Load().Facets())
	}
}

// handleDemoPicture serves the generated picture of a demo item.
func handleDemoPicture(d *Demo) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := strings.CutSuffix(c.Param("file"), ".svg")
		if !ok || d.Picture == nil {
			return candor.Errorf(candor.ENotFound, "No picture %q.", c.Param("file"))
		}
		svg, ok := d.Picture(id)
		if !ok {
			return candor.Errorf(candor.ENotFound, "No picture %q.", c.Param("file"))
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, "image/svg+xml", svg)
	}
}
