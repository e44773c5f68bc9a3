package httpapi

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/trust"
)

// consentMetrics count consent changes on every path that writes one
// (consent.Service.OnChange): the consent routes, GPC signals recorded off
// the request path, and whatever else calls the Service.
type consentMetrics struct {
	changes     *prometheus.CounterVec
	withdrawals *prometheus.CounterVec
	gpc         prometheus.Counter
	trust       *trust.Counter // nil: not kept
}

func newConsentMetrics(reg prometheus.Registerer, tc *trust.Counter) *consentMetrics {
	m := &consentMetrics{
		trust: tc,
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_consent_changes_total",
			Help: "Consent records written, by scope, state (granted or denied) and source.",
		}, []string{"scope", "state", "source"}),
		withdrawals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candor_consent_withdrawals_total",
			Help: "Scopes denied that were granted before, by scope and by whether the customer had been shown a recommendation personalized with that feature set in the 7 days before (shown: true, false).",
		}, []string{"scope", "shown"}),
		gpc: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "candor_gpc_requests_total",
			Help: "Requests about an identified customer that carried Sec-GPC: 1.",
		}),
	}
	reg.MustRegister(m.changes, m.withdrawals, m.gpc)
	return m
}

// count is the consent.Service's OnChange.
func (m *consentMetrics) count(v consent.View) {
	for _, r := range v.Changed {
		m.changes.WithLabelValues(string(r.Scope), string(r.State), string(r.Source)).Inc()
	}
	for _, sc := range v.Withdrawn {
		shown := slices.Contains(v.Shown, sc)
		m.withdrawals.WithLabelValues(string(sc), strconv.FormatBool(shown)).Inc()
		m.trust.Withdrawal(shown)
	}
}

// customerID returns the customer a request is about: the validated :id
// path parameter, or the token's subject on /v1/me routes.
func customerID(c echo.Context) (string, error) {
	if strings.HasPrefix(c.Path(), "/v1/me") {
		return principal(c).CustomerID, nil
	}
	id := c.Param("id")
	return id, candor.ValidateID("customer id", id)
}

type recordView struct {
	State         consent.State  `json:"state"`
	Time          time.Time      `json:"time"`
	Expiry        *time.Time     `json:"expiry,omitempty"`
	PolicyVersion string         `json:"policy_version"`
	Source        consent.Source `json:"source"`
}

type scopeView struct {
	Scope     consent.Scope `json:"scope"`
	Effective consent.State `json:"effective"`
	Reason    string        `json:"reason,omitempty"`
	Record    *recordView   `json:"record"`
}

type consentResponse struct {
	CustomerID    string      `json:"customer_id"`
	PolicyVersion string      `json:"policy_version"`
	Scopes        []scopeView `json:"scopes"`
	Changed       []string    `json:"changed,omitempty"`
}

func viewRecord(r *consent.Record) *recordView {
	if r == nil {
		return nil
	}
	v := &recordView{State: r.State, Time: r.Time, PolicyVersion: itoa(r.PolicyVersion), Source: r.Source}
	if !r.Expiry.IsZero() {
		v.Expiry = &r.Expiry
	}
	return v
}

func consentBody(v consent.View, live int) consentResponse {
	out := consentResponse{CustomerID: v.CustomerID, PolicyVersion: itoa(live), Scopes: make([]scopeView, len(v.Decision.Scopes))}
	for i, e := range v.Decision.Scopes {
		state := consent.Denied
		if e.Granted {
			state = consent.Granted
		}
		out.Scopes[i] = scopeView{Scope: e.Scope, Effective: state, Reason: e.Reason, Record: viewRecord(e.Record)}
	}
	for _, r := range v.Changed {
		out.Changed = append(out.Changed, string(r.Scope))
	}
	return out
}

// writeConsent sends the consent view with its ETag.
func writeConsent(c echo.Context, v consent.View, live int) error {
	c.Response().Header().Set("ETag", `"`+v.ETag+`"`)
	return c.JSON(http.StatusOK, consentBody(v, live))
}

// noteGPC counts a GPC signal and records it in the log the first time.
func noteGPC(c echo.Context, svc *consent.Service, m *consentMetrics, id string) error {
	if !gpcOf(c) {
		return nil
	}
	m.gpc.Inc()
	_, err := svc.RecordGPC(c.Request().Context(), id)
	return err
}

func handleGetConsent(svc *consent.Service, m *consentMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		if err := noteGPC(c, svc, m, id); err != nil {
			return err
		}
		v, err := svc.Get(c.Request().Context(), id, gpcOf(c))
		if err != nil {
			return err
		}
		return writeConsent(c, v, svc.PolicyVersion())
	}
}

func handlePutConsent(svc *consent.Service, m *consentMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		ch, err := decodeChange(c)
		if err != nil {
			return err
		}
		if err := noteGPC(c, svc, m, id); err != nil {
			return err
		}
		v, err := svc.Put(c.Request().Context(), id, ch, ifMatch(c), gpcOf(c))
		if err != nil {
			return err
		}
		return writeConsent(c, v, svc.PolicyVersion())
	}
}

// decodeChange reads a consent change; the gpc source is reserved for the
// Sec-GPC header.
func decodeChange(c echo.Context) (consent.Change, error) {
	b, err := readBody(c)
	if err != nil {
		return consent.Change{}, err
	}
	ch, err := consent.DecodeChange(b)
	if err != nil {
		return ch, err
	}
	if principal(c).Role == auth.RoleCustomer {
		ch.Source = consent.SourcePreferenceCentre // the customer's own choice
	}
	if ch.Source == consent.SourceGPC {
		return ch, candor.Errorf(candor.EInvalid, "source \"gpc\" is reserved for the Sec-GPC request header; send the header instead.")
	}
	return ch, nil
}

// ifMatch returns the If-Match ETag without quotes or weak prefix.
func ifMatch(c echo.Context) string {
	v := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	v = strings.TrimPrefix(v, "W/")
	return strings.Trim(v, `"`)
}

// readBody reads the whole body, up to maxBodyBytes.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, jsonError(err)
	case err != nil: // the client stopped sending, or too slowly
		return nil, candor.Errorf(candor.EInvalid, "The request body could not be read: %s.", candor.Clip(err.Error(), 200))
	}
	return b, nil
}

type historyEntry struct {
	Seq   int64         `json:"seq"`
	Scope consent.Scope `json:"scope"`
	recordView
	Prev string `json:"prev"`
	Hash string `json:"hash"`
}

type historyResponse struct {
	CustomerID    string         `json:"customer_id"`
	ChainValid    bool           `json:"chain_valid"`
	FirstBadEntry *int           `json:"first_bad_entry,omitempty"`
	Entries       []historyEntry `json:"entries"`
}

func handleConsentHistory(svc *consent.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		h, err := svc.History(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, historyOf(id, h))
	}
}

func historyOf(id string, h consent.History) historyResponse {
	out := historyResponse{CustomerID: id, ChainValid: h.ChainValid, Entries: make([]historyEntry, len(h.Entries))}
	if !h.ChainValid {
		out.FirstBadEntry = &h.FirstBad
	}
	for i, e := range h.Entries {
		out.Entries[i] = historyEntry{Seq: e.Seq, Scope: e.Record.Scope, recordView: *viewRecord(&e.Record), Prev: e.Prev, Hash: e.Hash}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
