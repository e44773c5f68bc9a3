package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/rules"
)

// who names the caller in the audit trail: the key's name and id.
func who(c echo.Context) string {
	p := principal(c)
	return p.KeyName + " (" + string(p.Role) + " key " + p.KeyID + ")"
}

func handleGetDraft(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		rs, err := svc.Draft(c.Request().Context(), c.Param("name"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rs)
	}
}

func handlePutDraft(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := readBody(c)
		if err != nil {
			return err
		}
		rs, err := rules.Decode(b)
		if err != nil {
			return err
		}
		saved, err := svc.PutDraft(c.Request().Context(), c.Param("name"), rs, who(c))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, saved)
	}
}

type validateResponse struct {
	Valid    bool            `json:"valid"`
	Warnings []rules.Warning `json:"warnings"`
	Cost     *rules.Estimate `json:"cost"`
}

func handleValidate(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := marketerContext(c)
		defer cancel()
		rs, ws, err := svc.CheckDraft(ctx, c.Param("name"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, validateResponse{Valid: true, Warnings: nonNil(ws), Cost: rs.Estimate()})
	}
}

func nonNil(ws []rules.Warning) []rules.Warning {
	if ws == nil {
		return []rules.Warning{}
	}
	return ws
}

type publishResponse struct {
	Ruleset  rules.Ruleset   `json:"ruleset"`
	Warnings []rules.Warning `json:"warnings"`
}

func handlePublish(svc *rules.Service, reload func(context.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		rs, ws, err := svc.Publish(ctx, c.Param("name"), who(c))
		if err != nil {
			return err
		}
		if reload != nil {
			_ = reload(ctx) // this replica at once; the others on the notice
		}
		return c.JSON(http.StatusOK, publishResponse{Ruleset: rs, Warnings: nonNil(ws)})
	}
}

type rollbackRequest struct {
	Version int `json:"version"`
}

func handleRollback(svc *rules.Service, reload func(context.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req rollbackRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.Version < 1 {
			return candor.Errorf(candor.EInvalid, "send {\"version\": n} with the version to go back (or forward) to; versions start at 1, got %d", req.Version)
		}
		ctx := c.Request().Context()
		rs, err := svc.Rollback(ctx, c.Param("name"), req.Version, who(c))
		if err != nil {
			return err
		}
		if reload != nil {
			_ = reload(ctx)
		}
		return c.JSON(http.StatusOK, rs)
	}
}

func handleVersions(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c); err != nil {
			return err
		}
		vs, err := svc.Versions(c.Request().Context(), c.Param("name"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"versions": vs})
	}
}

// handleVersion returns one published version of a ruleset: the rules
// that were (or are) live, as a marketer reads them before a rollback.
func handleVersion(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c); err != nil {
			return err
		}
		n, err := strconv.Atoi(c.Param("version"))
		if err != nil || n < 1 {
			return candor.Errorf(candor.EInvalid, "version must be a whole number from 1, got %q", c.Param("version"))
		}
		rs, err := svc.Version(c.Request().Context(), c.Param("name"), n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rs)
	}
}

func handleAudit(svc *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := limitParam(c, "ruleset")
		if err != nil {
			return err
		}
		entries, err := svc.Audit(c.Request().Context(), c.QueryParam("ruleset"), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"entries": entries})
	}
}

// limitParam reads ?limit= for audit trails: 1-1000, default 100; the
// route takes no parameters but it and others.
func limitParam(c echo.Context, others ...string) (int, error) {
	if err := onlyParams(c, append([]string{"limit"}, others...)...); err != nil {
		return 0, err
	}
	s := c.QueryParam("limit")
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, candor.Errorf(candor.EInvalid, "limit must be a whole number from 1 to 1000")
	}
	return n, nil
}

type previewRequest struct {
	Customers []string `json:"customers"`
	N         int      `json:"n"`
	Placement string   `json:"placement"`
}

// previewResponse is the preview of a draft and its cost: estimated as at
// validation, and measured over the customers previewed.
type previewResponse struct {
	*recommend.RulesDiff
	Cost previewCost `json:"cost"`
}

type previewCost struct {
	Estimate *rules.Estimate `json:"estimate"`
	Measured *rules.Measured `json:"measured"`
}

// customerList checks the customers a preview or simulation runs over:
// 1 to most IDs, each once (a repeated one would count twice in the
// totals).
func customerList(ids []string, most int) error {
	if len(ids) == 0 || len(ids) > most {
		return candor.Errorf(candor.EInvalid, "customers must list 1-%d customer IDs, got %d", most, len(ids))
	}
	if i, j := repeated(ids, func(id string) string { return id }); i >= 0 {
		return candor.Errorf(candor.EInvalid, "customers[%d]: %.64q is also customers[%d]; list each customer once", i, ids[i], j)
	}
	return nil
}

// repeated returns the first position i whose key an earlier position j
// has too, or -1, -1 when every key is distinct.
func repeated[T any](xs []T, key func(T) string) (i, j int) {
	at := make(map[string]int, len(xs))
	for i, x := range xs {
		k := key(x)
		if j, ok := at[k]; ok {
			return i, j
		}
		at[k] = i
	}
	return -1, -1
}

func handlePreview(svc *rules.Service, rec *recommend.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req previewRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := customerList(req.Customers, 200); err != nil {
			return err
		}
		ctx, cancel := marketerContext(c)
		defer cancel()
		draft, ws, err := svc.CompileDraft(ctx, c.Param("name"))
		if err != nil {
			return err
		}
		live, err := svc.Live(ctx, c.Param("name"))
		if err != nil {
			return err
		}
		d, err := rec.PreviewRules(ctx, req.Customers, req.N, req.Placement, live, draft)
		if err := deadline(ctx, err, "preview"); err != nil {
			return err
		}
		d.Warnings = nonNil(ws)
		return c.JSON(http.StatusOK, previewResponse{RulesDiff: d, Cost: previewCost{Estimate: draft.Estimate(), Measured: draft.Measured()}})
	}
}
