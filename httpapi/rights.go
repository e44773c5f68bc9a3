package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rights"
)

// exportDocument is the documented export schema (see openapi.json).
type exportDocument struct {
	Schema      string            `json:"schema"`
	CustomerID  string            `json:"customer_id"`
	GeneratedAt time.Time         `json:"generated_at"`
	Consent     []exportRecord    `json:"consent"`
	History     historyResponse   `json:"consent_history"`
	Data        *features.Export  `json:"data"`
	Notes       map[string]string `json:"notes"`
}

type exportRecord struct {
	Scope consent.Scope `json:"scope"`
	recordView
}

// exportNotes explain the export's parts in words; the schema is
// Export in /openapi.json.
var exportNotes = map[string]string{
	"feature_sets":    "Interaction sets (browsing, purchases, sensitive) list each item with when you last interacted with it, how often, and your latest rating in stars if you gave one; profile sets (declared, location, demographics) list what you stated.",
	"feedback":        "Items you are not interested in, categories you hid and explanations you said were wrong, each with when.",
	"contacts":        "Offers and messages delivered to you: the action, the event (impression, click, dismiss), the channel and when.",
	"decisions":       "What was recommended to you in the last 30 days and why; evidence from data you withdrew since is deleted.",
	"consent_history": "Every change of your consent; each entry is chained by hash to the one before, so a change cannot be hidden.",
}

func handleExport(svc *rights.Service, m *domainMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		doc, err := svc.Export(c.Request().Context(), id)
		if err != nil {
			m.limited("export", err)
			return err
		}
		out := exportDocument{Schema: "candor-export/1", CustomerID: id, GeneratedAt: doc.GeneratedAt, Data: doc.Data,
			History: historyOf(id, doc.History), Consent: []exportRecord{},
			Notes: exportNotes}
		for i := range doc.Consent {
			out.Consent = append(out.Consent, exportRecord{Scope: doc.Consent[i].Scope, recordView: *viewRecord(&doc.Consent[i])})
		}
		c.Response().Header().Set("Content-Disposition", `attachment; filename="candor-export.json"`)
		return c.JSON(http.StatusOK, out)
	}
}

func handleErase(svc *rights.Service, m *domainMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		rc, err := svc.Erase(c.Request().Context(), id)
		if err != nil {
			m.limited("erase", err)
			return err
		}
		m.erasures.Inc()
		return c.JSON(http.StatusOK, rc)
	}
}

// feedbackRequest is feedback with, optionally, the decision it is
// about: it is credited to that decision's model and ruleset versions.
type feedbackRequest struct {
	features.Feedback
	DecisionID string `json:"decision_id,omitempty"`
}

func handleFeedback(svc *rights.Service, m *domainMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		var req feedbackRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.DecisionID != "" {
			if err := candor.ValidateID("decision_id", req.DecisionID); err != nil {
				return err
			}
		}
		fb := req.Feedback
		if err := svc.Feedback(c.Request().Context(), id, fb); err != nil {
			return err
		}
		m.feedbackOf(c.Request().Context(), fb.Kind, id, req.DecisionID)
		return c.JSON(http.StatusOK, map[string]string{"status": "recorded", "kind": string(fb.Kind)})
	}
}
