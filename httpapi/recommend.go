package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/rules"
)

var recommendParams = []string{"customer_id", "anonymous_id", "n", "placement", "item_id", "cart", "category"}

// recommendRequest decodes the query string of GET /v1/recommendations.
func recommendRequest(c echo.Context) (recommend.Request, error) {
	if err := onlyParams(c, recommendParams...); err != nil {
		return recommend.Request{}, err
	}
	q := c.QueryParams()
	req := recommend.Request{CustomerID: q.Get("customer_id"), AnonymousID: q.Get("anonymous_id"), Placement: q.Get("placement"),
		ItemID: q.Get("item_id"), Category: q.Get("category")}
	if s := q.Get("n"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > recommend.MaxN {
			return req, candor.Errorf(candor.EInvalid, "n must be a whole number from 1 to %d, got %q", recommend.MaxN, s)
		}
		req.N = n
	}
	if s := q.Get("cart"); s != "" {
		req.Cart = strings.Split(s, ",")
	}
	return req, nil
}

// onlyParams refuses a query string naming a parameter not in allowed: a
// misspelt one (chanel=email) would otherwise be ignored without a word.
func onlyParams(c echo.Context, allowed ...string) error {
	for k := range c.QueryParams() {
		if len(allowed) == 0 {
			return candor.Errorf(candor.EInvalid, "unknown parameter %q: this route takes none", k)
		}
		if !slices.Contains(allowed, k) {
			return candor.Errorf(candor.EInvalid, "unknown parameter %q: use %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func handleRecommend(svc *recommend.Service, gpc *gpcSignal, m *domainMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := recommendRequest(c)
		if err != nil {
			return err
		}
		req.GPC = gpc.of(c, req.CustomerID)
		resp, err := svc.Recommend(c.Request().Context(), req)
		if err != nil {
			return err
		}
		m.recommendation(resp)
		b, err := resp.JSON()
		if err != nil {
			return err
		}
		defer resp.Release() // the bytes are copied out by then
		return c.JSONBlob(http.StatusOK, b)
	}
}

// decisionCustomer returns whose decision a request asks for: a customer
// token's own, or for a key the customer_id parameter ("" for an
// anonymous visitor's decision). The decision is then looked up among
// that customer's records only, so another customer's decision is
// not_found, exactly like one that does not exist.
func decisionCustomer(c echo.Context) (string, error) {
	if err := onlyParams(c, "customer_id"); err != nil {
		return "", err
	}
	id := c.QueryParam("customer_id")
	if p := principal(c); p.Role == auth.RoleCustomer {
		if id != "" && id != p.CustomerID {
			return "", errNotYours
		}
		return p.CustomerID, nil
	}
	if id != "" {
		return id, candor.ValidateID("customer_id", id)
	}
	return "", nil
}

func handleDecision(svc *recommend.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		who, err := decisionCustomer(c)
		if err != nil {
			return err
		}
		d, err := svc.Decision(c.Request().Context(), who, c.Param("decision"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	}
}

func handleWhy(svc *recommend.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		who, err := decisionCustomer(c)
		if err != nil {
			return err
		}
		w, err := svc.Why(c.Request().Context(), who, c.Param("decision"), c.Param("item"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, w)
	}
}

type recPreviewRequest struct {
	CustomerID string             `json:"customer_id"`
	Profile    *recommend.Profile `json:"profile"`
	N          int                `json:"n"`
	Placement  string             `json:"placement"`
	ItemID     string             `json:"item_id"`
	Cart       []string           `json:"cart"`
	Category   string             `json:"category"`
	Draft      string             `json:"draft"` // a ruleset name whose draft to use instead of the live ruleset
}

func handleRecommendPreview(svc *recommend.Service, rs *rules.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in recPreviewRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		if (in.CustomerID == "") == (in.Profile == nil) {
			return candor.Errorf(candor.EInvalid, "send either customer_id or a synthetic profile")
		}
		ctx, cancel := marketerContext(c)
		defer cancel()
		var draft *rules.Compiled
		if in.Draft != "" {
			d, _, err := rs.CompileDraft(ctx, in.Draft)
			if err != nil {
				return err
			}
			draft = d
		}
		req := recommend.Request{CustomerID: in.CustomerID, N: in.N, Placement: in.Placement, ItemID: in.ItemID, Cart: in.Cart, Category: in.Category}
		tr, err := svc.Preview(ctx, req, in.Profile, draft)
		if err := deadline(ctx, err, "preview"); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, tr)
	}
}
