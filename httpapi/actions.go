package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend"
)

// NextBest is what the next-best-action routes need: the engine, the gated
// read, the live model and catalog, and where decisions are recorded.
type NextBest struct {
	Engine  *actions.Engine
	Service *actions.Service
	Reload  func(context.Context) error // makes a publish live on this replica at once
	// Gated is the budgeted gated read next-best-actions answer from, with
	// the recommendations' fallback (recommend.Service).
	Gated     GatedReader
	Reader    recommend.StateReader // for deliveries and simulations, which wait for Redis
	Model     func() recommend.Model
	Catalog   func() *catalog.Snapshot
	Request   func(gpc bool) consent.Request
	Decisions recommend.DecisionStore
	// Retention is what Decisions keeps (--decision-keep, --decision-cap);
	// zero fields take the defaults.
	Retention recommend.Retention
	// Responses returns the observed impressions and clicks per action
	// (actions.Responses.Load); nil means none observed.
	Responses func() map[string]actions.Observed
	// Deliverer records deliveries atomically against caps; required by
	// the deliver route.
	Deliverer actions.Deliverer
	// Observed reads the response counts from the store for
	// GET /v1/actions/responses; nil means the counts Responses holds.
	Observed actions.ResponseSource
}

// responses returns the observed response counts, never nil.
func (nb *NextBest) responses() map[string]actions.Observed {
	if nb.Responses == nil {
		return map[string]actions.Observed{}
	}
	return nb.Responses()
}

// GatedReader reads a customer within the read budget, or says why the
// answer must do without personal data. Implemented by recommend.Service.
type GatedReader interface {
	ReadGated(ctx context.Context, customerID string, creq consent.Request, o features.ReadOptions) (*features.State, recommend.Fallback)
}

type nbaResponse struct {
	DecisionID string             `json:"decision_id"`
	Time       string             `json:"time"` // when decided; the why page shows it
	Fallback   recommend.Fallback `json:"fallback"`
	actions.Decision
}

func handleNextBestActions(nb *NextBest, gpc *gpcSignal, m *domainMetrics) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		if err := onlyParams(c, "channel", "n"); err != nil {
			return err
		}
		ch, err := actions.ParseChannel(c.QueryParam("channel"))
		if err != nil {
			return err
		}
		n := 0
		if s := c.QueryParam("n"); s != "" {
			if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 20 {
				return candor.Errorf(candor.EInvalid, "n must be a whole number from 1 to 20")
			}
		}
		ctx := c.Request().Context()
		req := nb.Request(gpc.of(c, id))
		st, fb := nb.Gated.ReadGated(ctx, id, req, features.ReadOptions{})
		resp := nbaResponse{DecisionID: recommend.NewDecisionID(), Time: req.Now.UTC().Format(time.RFC3339Nano), Fallback: fb}
		if fb.Active {
			resp.Decision = nb.Engine.Fallback(ch) // nothing personal, and Redis is not waited for again
			m.nextBestAction(recommend.Level(nil), fb, resp.NoAction)
			return c.JSON(http.StatusOK, resp)
		}
		d := nb.Engine.Decide(actions.Request{State: st, Channel: ch, N: n, Now: req.Now, GPC: req.GPC, Model: nb.Model(), Items: nb.Catalog(), Stats: nb.responses()})
		resp.Decision = d
		m.nextBestAction(recommend.Level(st), fb, d.NoAction)
		nb.record(ctx, id, st.ConsentHead, resp, req.Now) // the full decision, with what was suppressed and why
		resp.Decision = d.ForCustomer()
		return c.JSON(http.StatusOK, resp)
	}
}

// record keeps the marketer's trace; a failure to record does not fail the
// answer (it is counted by the store's metrics).
// Its personal evidence is kept apart, as a recommendation's is.
func (nb *NextBest) record(ctx context.Context, id, head string, r nbaResponse, now time.Time) {
	if nb.Decisions == nil {
		return
	}
	r.Actions = slices.Clone(r.Actions)
	lists := make([][]recommend.Reason, len(r.Actions))
	for i := range r.Actions {
		r.Actions[i].Reasons = slices.Clone(r.Actions[i].Reasons)
		lists[i] = r.Actions[i].Reasons
	}
	docs, err := recommend.SplitReasons(lists)
	if err != nil {
		return
	}
	b, _ := json.Marshal(r)
	rec, err := recommend.JSONRecord(r.DecisionID, id, head, now, b, docs)
	if err != nil {
		return
	}
	_ = nb.Decisions.AppendDecisions(ctx, []recommend.DecisionRecord{rec}, nb.Retention)
}

func handleGetActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		cat, err := nb.Service.Draft(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, cat)
	}
}

func handlePutActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := readBody(c)
		if err != nil {
			return err
		}
		cat, err := actions.Decode(b)
		if err != nil {
			return err
		}
		saved, err := nb.Service.PutDraft(c.Request().Context(), cat, who(c))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, saved)
	}
}

func handlePublishActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		cat, err := nb.Service.Publish(ctx, who(c))
		return nb.madeLive(c, cat, err)
	}
}

// madeLive answers a publish or rollback and makes it live on this
// replica at once (the others follow the notice).
func (nb *NextBest) madeLive(c echo.Context, cat actions.Catalog, err error) error {
	if err != nil {
		return err
	}
	if nb.Reload != nil {
		_ = nb.Reload(c.Request().Context())
	}
	return c.JSON(http.StatusOK, cat)
}

func handleValidateActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := marketerContext(c)
		defer cancel()
		if err := nb.Service.Validate(ctx); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"valid": true})
	}
}

func handleRollbackActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req rollbackRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.Version < 1 {
			return candor.Errorf(candor.EInvalid, "send {\"version\": n} with the version of the action catalog to make live again; versions start at 1, got %d", req.Version)
		}
		cat, err := nb.Service.Rollback(c.Request().Context(), req.Version, who(c))
		return nb.madeLive(c, cat, err)
	}
}

func handleActionVersions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c); err != nil {
			return err
		}
		vs, err := nb.Service.Versions(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"versions": vs})
	}
}

func handleActionVersion(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		n, err := strconv.Atoi(c.Param("version"))
		if err != nil {
			return candor.Errorf(candor.EInvalid, "version must be a whole number, got %q", c.Param("version"))
		}
		cat, err := nb.Service.Version(c.Request().Context(), n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, cat)
	}
}

func handleActionAudit(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := limitParam(c)
		if err != nil {
			return err
		}
		entries, err := nb.Service.Audit(c.Request().Context(), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"entries": entries})
	}
}

type deliverRequest struct {
	Channel string `json:"channel"`
}

type deliverResponse struct {
	Delivered bool          `json:"delivered"`
	ActionID  string        `json:"action_id"`
	Channel   consent.Scope `json:"channel"`
	Reason    string        `json:"reason,omitempty"` // why not: an actions.Reason* constant
	Detail    string        `json:"detail,omitempty"`
}

// handleDeliver records that a sender is about to deliver an action: it
// checks consent and eligibility on a fresh gated read, then records the
// impression only if caps and the contact policy still allow it, so that
// concurrent senders cannot both spend the last allowed contact.
func handleDeliver(nb *NextBest, gpc *gpcSignal) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		var in deliverRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		ch, err := actions.ParseChannel(in.Channel)
		if err != nil {
			return err
		}
		ctx, action := c.Request().Context(), c.Param("action")
		if err := candor.ValidateID("action id", action); err != nil {
			return err
		}
		req := nb.Request(gpc.of(c, id))
		st, err := nb.Reader.ReadState(ctx, id, req, features.ReadOptions{})
		if err != nil {
			return err
		}
		out := deliverResponse{ActionID: action, Channel: ch}
		out.Reason, out.Detail = nb.Engine.Check(actions.Request{State: st, Channel: ch, Now: req.Now, GPC: req.GPC}, action)
		if out.Reason == actions.ReasonUnknownAction {
			return candor.Errorf(candor.ENotFound, "no action %q in the live catalog", action)
		}
		if out.Reason == "" {
			if out.Reason, err = nb.Engine.Deliver(ctx, nb.Deliverer, id, action, ch, req); err != nil {
				return err
			}
		}
		out.Delivered = out.Reason == ""
		return c.JSON(http.StatusOK, out)
	}
}

type simulateRequest struct {
	Customers []string `json:"customers"`
	Channel   string   `json:"channel"`
	Draft     bool     `json:"draft"`
}

func handleSimulateActions(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in simulateRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		ch, err := actions.ParseChannel(in.Channel)
		if err != nil {
			return err
		}
		if err := customerList(in.Customers, 1000); err != nil {
			return err
		}
		ctx, cancel := marketerContext(c)
		defer cancel()
		eng := nb.Engine
		if in.Draft {
			draft, err := nb.Service.CompileDraft(ctx)
			if err != nil {
				return err
			}
			eng = eng.WithCatalog(draft)
		}
		req := nb.Request(false)
		states := make([]*features.State, 0, len(in.Customers))
		for _, id := range in.Customers {
			if err := candor.ValidateID("customer id", id); err != nil {
				return err
			}
			st, err := nb.Reader.ReadState(ctx, id, req, features.ReadOptions{})
			if err := deadline(ctx, err, "simulation"); err != nil {
				return err
			}
			states = append(states, st)
		}
		sim, err := eng.SimulateContext(ctx, states, ch, actions.Request{Now: req.Now, Model: nb.Model(), Items: nb.Catalog(), Stats: nb.responses()})
		if err := deadline(ctx, err, "simulation"); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, sim)
	}
}

// DecisionDocuments reads a customer's stored decisions as they were
// answered. Implemented by recommend.Service.
type DecisionDocuments interface {
	DecisionDocument(ctx context.Context, customerID, id string) (json.RawMessage, error)
}

// handleActionWhy explains one action of a stored next-best-action
// decision, from the record (what was answered then), not from the
// catalog now.
func handleActionWhy(docs DecisionDocuments) echo.HandlerFunc {
	return func(c echo.Context) error {
		who, err := decisionCustomer(c)
		if err != nil {
			return err
		}
		id, action := c.Param("decision"), c.Param("action")
		if err := candor.ValidateID("action id", action); err != nil {
			return err
		}
		doc, err := docs.DecisionDocument(c.Request().Context(), who, id)
		if err != nil {
			return err
		}
		w, err := actions.Explain(doc, id, action)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, w)
	}
}

type dismissRequest struct {
	Channel string `json:"channel"`
}

type dismissResponse struct {
	Status   string        `json:"status"` // stored, or dropped (the channel is not granted: the action is not shown there anyway)
	Reason   string        `json:"reason,omitempty"`
	ActionID string        `json:"action_id"`
	Channel  consent.Scope `json:"channel"`
}

// handleDismissAction records a customer's own dismissal of an action on
// a channel: the dismiss contact a site would send to POST /v1/events,
// through the same collection gate, so the action's
// caps.cooldown_after_dismiss holds it back from the next decision.
func handleDismissAction(fs *features.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := customerID(c)
		if err != nil {
			return err
		}
		var in dismissRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		ch, err := actions.ParseChannel(in.Channel)
		if err != nil {
			return err
		}
		action := c.Param("action")
		if err := candor.ValidateID("action id", action); err != nil {
			return err
		}
		ev := features.Event{CustomerID: id, Type: features.Dismiss, ActionID: action, Channel: string(ch)}
		out, err := fs.Collect(c.Request().Context(), []features.Event{ev}, false)
		if err != nil {
			return err
		}
		if o := out[0]; o.Status == features.Invalid {
			return candor.Errorf(candor.EInvalid, "%s", o.Message)
		}
		return c.JSON(http.StatusOK, dismissResponse{Status: out[0].Status, Reason: out[0].Reason, ActionID: action, Channel: ch})
	}
}

// actionResponse is one action's observed responses and the response
// rate arbitration scores it with.
type actionResponse struct {
	Impressions  int64   `json:"impressions"`
	Clicks       int64   `json:"clicks"`
	ResponseRate float64 `json:"response_rate"` // actions.Engine.ResponseRate: smoothed with the prior
}

// handleActionResponses reports the observed impressions and clicks of
// every action with the response rate each is scored with, read from the
// store now (decisions use the counts of the last refresh).
func handleActionResponses(nb *NextBest) echo.HandlerFunc {
	return func(c echo.Context) error {
		obs := nb.responses()
		if nb.Observed != nil {
			var err error
			if obs, err = nb.Observed.ActionResponses(c.Request().Context()); err != nil {
				return err
			}
		}
		out := make(map[string]actionResponse, len(obs))
		for id, o := range obs {
			out[id] = actionResponse{Impressions: o.Impressions, Clicks: o.Clicks, ResponseRate: nb.Engine.ResponseRate(o)}
		}
		cfg := nb.Engine.Config()
		return c.JSON(http.StatusOK, map[string]any{"actions": out, "prior_clicks": cfg.PriorClicks, "prior_impressions": cfg.PriorImpressions,
			"unobserved_rate": nb.Engine.ResponseRate(actions.Observed{})})
	}
}
