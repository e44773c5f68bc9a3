package httpapi

import (
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/web"
)

// pageCSP keeps the pages to their own embedded scripts and styles and to
// this origin's API: no inline script, no third party.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// handlePage serves one embedded page. Pages hold no data: they fetch it
// from the API with the caller's key or token, so their auth is the API's.
func handlePage(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return serveAsset(c, name)
	}
}

// handleAsset serves the CSS and JavaScript the pages load, and nothing
// else: pages are served only at their routes, and the demo shop's script
// only in demo mode.
func handleAsset(demo bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.Param("file")
		script := strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css")
		if !script || name == web.DemoScript && !demo {
			return candor.Errorf(candor.ENotFound, "No asset %q.", name)
		}
		return serveAsset(c, name)
	}
}

func serveAsset(c echo.Context, name string) error {
	b, err := fs.ReadFile(web.Assets(), name) // fs paths cannot climb out with ..
	if err != nil {
		return candor.Errorf(candor.ENotFound, "No page or asset %q.", name)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // a ?token= link must not leak onwards
	h.Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, web.ContentType(name), b)
}

// Demo is what the demo shop needs; set only when the server runs the
// embedded demo. Without it the /demo routes do not exist.
type Demo struct {
	SiteKey     string
	MarketerKey string
	Customers   []DemoCustomer
	// Token signs a short-lived customer token for a demo customer.
	Token func(customerID string) (string, error)
	// Picture is the generated SVG picture of a catalog item, false for
	// an unknown item.
	Picture func(itemID string) ([]byte, bool)
}

// DemoCustomer is one demo customer the shop offers.
type DemoCustomer struct {
	ID     string `json:"id"`
	Preset string `json:"preset"`
}

type demoSessionRequest struct {
	CustomerID string `json:"customer_id"`
}

type demoSessionResponse struct {
	SiteKey     string         `json:"site_key"`
	MarketerKey string         `json:"marketer_key"`
	Customers   []DemoCustomer `json:"customers"`
	CustomerID  string         `json:"customer_id,omitempty"`
	Token       string         `json:"token,omitempty"`
}

// handleDemoSession hands the demo shop its keys and, for a demo customer,
// a customer token, as a real shop's back end would.
func handleDemoSession(d *Demo) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in demoSessionRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out := demoSessionResponse{SiteKey: d.SiteKey, MarketerKey: d.MarketerKey, Customers: d.Customers}
		if in.CustomerID == "" {
			return c.JSON(http.StatusOK, out)
		}
		if !slices.ContainsFunc(d.Customers, func(dc DemoCustomer) bool { return dc.ID == in.CustomerID }) {
			return candor.Errorf(candor.ENotFound, "%q is not one of the demo shop's customers.", in.CustomerID)
		}
		tok, err := d.Token(in.CustomerID)
		if err != nil {
			return err
		}
		out.CustomerID, out.Token = in.CustomerID, tok
		return c.JSON(http.StatusOK, out)
	}
}

type demoGPCResponse struct {
	CustomerID string `json:"customer_id"`
	Recorded   bool   `json:"recorded"` // false when the signal was already recorded
}

// handleDemoGPC is the demo shop's Global Privacy Control toggle. A
// page's script cannot send Sec-GPC (browsers reserve Sec- headers), so
// the shop's back end forwards the signal for a demo customer as it
// would forward the header its browser sent: recorded as the sale_share
// denial GPC implies, as every route does with Sec-GPC: 1.
func handleDemoGPC(d *Demo, cs *consent.Service, m *consentMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in demoSessionRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		if in.CustomerID == "" {
			return candor.Errorf(candor.EInvalid, "Send {\"customer_id\": ...} with the demo customer whose Global Privacy Control signal to record.")
		}
		if !slices.ContainsFunc(d.Customers, func(dc DemoCustomer) bool { return dc.ID == in.CustomerID }) {
			return candor.Errorf(candor.ENotFound, "%q is not one of the demo shop's customers.", in.CustomerID)
		}
		m.gpc.Inc()
		changed, err := cs.RecordGPC(c.Request().Context(), in.CustomerID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, demoGPCResponse{CustomerID: in.CustomerID, Recorded: changed})
	}
}

// handleDemoHome sends a newcomer from / to the demo shop.
func handleDemoHome() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Redirect(http.StatusFound, "/demo")
	}
}
