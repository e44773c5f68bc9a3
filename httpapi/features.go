package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// CatalogStore writes the catalog. Implemented by redisstore.Store.
type CatalogStore interface {
	PutItems(ctx context.Context, items []catalog.Item) error
	GetItem(ctx context.Context, id string) (catalog.Item, error)
	DeleteItem(ctx context.Context, id string) error
}

type eventMetrics struct{ events *prometheus.CounterVec }

func newEventMetrics(reg prometheus.Registerer) *eventMetrics {
	m := &eventMetrics{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "candor_events_total",
		Help: "Events received, by outcome (stored, dropped, invalid), event type (\"\" when invalid), feature set and drop reason.",
	}, []string{"status", "type", "set", "reason"})}
	reg.MustRegister(m.events)
	return m
}

type putItemsRequest struct {
	Items []catalog.Item `json:"items"`
}

func handlePutItems(st CatalogStore, live *catalog.Live) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req putItemsRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if len(req.Items) == 0 || len(req.Items) > catalog.MaxBatch {
			return candor.Errorf(candor.EInvalid, "items must hold 1-%d items, got %d", catalog.MaxBatch, len(req.Items))
		}
		for i := range req.Items {
			if err := req.Items[i].Validate(); err != nil {
				return candor.Errorf(candor.EInvalid, "items[%d]: %s (nothing was stored)", i, candor.ErrorMessage(err))
			}
		}
		if i, j := repeated(req.Items, func(it catalog.Item) string { return it.ID }); i >= 0 {
			return candor.Errorf(candor.EInvalid, "items[%d]: id %q is also items[%d]; send each item once (nothing was stored)", i, req.Items[i].ID, j)
		}
		ctx := c.Request().Context()
		if err := st.PutItems(ctx, req.Items); err != nil {
			return err
		}
		if err := live.Reload(ctx); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"upserted": len(req.Items)})
	}
}

func handleGetItem(st CatalogStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := candor.ValidateID("item id", c.Param("id")); err != nil {
			return err
		}
		it, err := st.GetItem(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, it)
	}
}

func handleDeleteItem(st CatalogStore, live *catalog.Live) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := candor.ValidateID("item id", c.Param("id")); err != nil {
			return err
		}
		ctx := c.Request().Context()
		if err := st.DeleteItem(ctx, c.Param("id")); err != nil {
			return err
		}
		if err := live.Reload(ctx); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

type eventsResponse struct {
	Stored   int                `json:"stored"`
	Dropped  int                `json:"dropped"`
	Invalid  int                `json:"invalid"`
	Outcomes []features.Outcome `json:"outcomes"`
}

func handleEvents(svc *features.Service, m *eventMetrics, gpc *gpcSignal) echo.HandlerFunc {
	return func(c echo.Context) error {
		var raw []json.RawMessage
		if err := decodeJSON(c, &raw); err != nil {
			return err
		}
		if len(raw) == 0 || len(raw) > features.MaxBatch {
			return candor.Errorf(candor.EInvalid, "send a JSON array of 1-%d events, got %d", features.MaxBatch, len(raw))
		}
		evs, bad := decodeEvents(raw)
		out, err := svc.Collect(c.Request().Context(), evs, gpc.of(c, customersOf(evs)...))
		if err != nil {
			return err
		}
		for i, msg := range bad {
			out[i] = features.Outcome{Status: features.Invalid, Message: msg}
		}
		resp := eventsResponse{Outcomes: out}
		for i, o := range out {
			typ := ""
			if o.Status != features.Invalid && i < len(evs) {
				typ = string(evs[i].Type) // validated: one of the event types
			}
			m.events.WithLabelValues(o.Status, typ, o.Set, o.Reason).Inc()
			switch o.Status {
			case features.Stored:
				resp.Stored++
			case features.Dropped:
				resp.Dropped++
			default:
				resp.Invalid++
			}
		}
		return c.JSON(http.StatusOK, resp)
	}
}

// customersOf lists the customers a batch of events is about, once each.
func customersOf(evs []features.Event) []string {
	var out []string
	seen := map[string]bool{}
	for _, ev := range evs {
		if ev.CustomerID != "" && !seen[ev.CustomerID] {
			seen[ev.CustomerID] = true
			out = append(out, ev.CustomerID)
		}
	}
	return out
}

func handlePutProfile(svc *features.Service, gpc *gpcSignal) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		set := consent.Scope(c.Param("set"))
		p, err := decodeProfile(c, set)
		if err != nil {
			return err
		}
		if err := svc.PutProfile(c.Request().Context(), id, set, p, gpc.of(c, id)); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"status": features.Stored, "set": string(set)})
	}
}

// decodeProfile decodes the body for a profile set, refusing street-level
// location fields by name.
func decodeProfile(c echo.Context, set consent.Scope) (features.ProfileData, error) {
	var p features.ProfileData
	switch set {
	case consent.Declared:
		p = &features.Declared{}
	case consent.Location:
		p = &features.Location{}
	case consent.Demographics:
		p = &features.Demographics{}
	default:
		return nil, candor.Errorf(candor.EInvalid, "unknown profile set %q: use declared, location or demographics (browsing and purchases are fed by events)", set)
	}
	b, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if err := refuseFineFields(b, set); err != nil {
		return nil, err
	}
	if err := candor.DecodeJSON(b, p); err != nil {
		return nil, decodeError(err, "The request body", p)
	}
	return p, nil
}

func refuseFineFields(b []byte, set consent.Scope) error {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil // the strict decode reports the syntax error
	}
	for k := range raw {
		if set == consent.Location && slices.Contains(features.FineLocationFields, strings.ToLower(k)) {
			return candor.Errorf(candor.EInvalid, "field %q is too precise: Candor keeps only country and region", k)
		}
		if set == consent.Demographics && strings.Contains(strings.ToLower(k), "birth") {
			return candor.Errorf(candor.EInvalid, "field %q is not accepted: Candor keeps an age band, never a birth date", k)
		}
	}
	return nil
}

// decodeEvents decodes each event on its own, so one malformed event is
// reported as invalid without failing the batch. bad maps index → message;
// those events are left zero (and so invalid for Collect too).
func decodeEvents(raw []json.RawMessage) ([]features.Event, map[int]string) {
	evs := make([]features.Event, len(raw))
	bad := map[int]string{}
	for i, r := range raw {
		if err := candor.DecodeJSON(r, &evs[i]); err != nil {
			evs[i] = features.Event{}
			bad[i] = candor.ErrorMessage(decodeError(err, "The event", &evs[i]))
		} else if evs[i].Time.IsZero() && namesTime(r) {
			evs[i] = features.Event{}
			bad[i] = "ts 0001-01-01T00:00:00Z is before 1970"
		}
	}
	return evs, bad
}

// namesTime reports whether an event names a ts (in any case, as the
// decoder matches it): a zero time is also what an event without one
// decodes to, and that one means "now".
func namesTime(r json.RawMessage) bool {
	var probe struct {
		TS json.RawMessage `json:"ts"`
	}
	return json.Unmarshal(r, &probe) == nil && len(probe.TS) > 0 && string(probe.TS) != "null"
}
