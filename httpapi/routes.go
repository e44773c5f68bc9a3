package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/web"
)

// route is one line of the API: who may call it and what handles it.
type route struct {
	method  string
	path    string
	roles   []auth.Role // nil: public
	handler echo.HandlerFunc
}

var (
	public    []auth.Role
	anyKey    = []auth.Role{auth.RoleSite, auth.RoleMarketer, auth.RoleAdmin}
	adminOnly = []auth.Role{auth.RoleAdmin}
	siteAdmin = []auth.Role{auth.RoleSite, auth.RoleAdmin}
	ownData   = []auth.Role{auth.RoleSite, auth.RoleAdmin, auth.RoleCustomer} // a customer token only for its own :id
	customer  = []auth.Role{auth.RoleCustomer}
	staff     = []auth.Role{auth.RoleMarketer, auth.RoleAdmin}
)

// routes is the whole API on one screen. /openapi.json must describe every
// line (a test checks it).
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", public, handleHealthz()},
		{http.MethodGet, "/readyz", public, handleReadyz(s.deps.Ready)},
		{http.MethodGet, "/metrics", public, handleMetrics(s.deps.Registry)},
		{http.MethodGet, "/openapi.json", public, handleOpenAPI()},

		{http.MethodGet, "/v1/whoami", anyKey, handleWhoami()},
		{http.MethodGet, "/v1/keys", adminOnly, handleListKeys(s.deps.Keys)},
		{http.MethodPost, "/v1/keys", adminOnly, handleCreateKey(s.deps.Keys, s.keyring)},
		{http.MethodDelete, "/v1/keys/:id", adminOnly, handleRevokeKey(s.deps.Keys, s.keyring)},

		{http.MethodGet, "/v1/customers/:id/consent", ownData, handleGetConsent(s.deps.Consent, s.consent)},
		{http.MethodPut, "/v1/customers/:id/consent", ownData, handlePutConsent(s.deps.Consent, s.consent)},
		{http.MethodGet, "/v1/customers/:id/consent/history", ownData, handleConsentHistory(s.deps.Consent)},
		{http.MethodDelete, "/v1/customers/:id", adminOnly, handleErase(s.deps.Rights, s.domain)},

		{http.MethodGet, "/v1/me/consent", customer, handleGetConsent(s.deps.Consent, s.consent)},
		{http.MethodPut, "/v1/me/consent", customer, handlePutConsent(s.deps.Consent, s.consent)},
		{http.MethodGet, "/v1/me/consent/history", customer, handleConsentHistory(s.deps.Consent)},
		{http.MethodGet, "/v1/me/export", customer, handleExport(s.deps.Rights, s.domain)},
		{http.MethodDelete, "/v1/me", customer, handleErase(s.deps.Rights, s.domain)},
		{http.MethodPost, "/v1/me/feedback", customer, handleFeedback(s.deps.Rights, s.domain)},
		{http.MethodPut, "/v1/customers/:id/features/:set", siteAdmin, handlePutProfile(s.deps.Features, s.gpc)},

		{http.MethodPut, "/v1/catalog/items", siteAdmin, handlePutItems(s.deps.Items, s.deps.Catalog)},
		{http.MethodGet, "/v1/catalog/items", anyKey, handleSearchItems(s.deps.Catalog)},
		{http.MethodGet, "/v1/catalog/facets", anyKey, handleFacets(s.deps.Catalog)},
		{http.MethodGet, "/v1/catalog/items/:id", anyKey, handleGetItem(s.deps.Items)},
		{http.MethodDelete, "/v1/catalog/items/:id", siteAdmin, handleDeleteItem(s.deps.Items, s.deps.Catalog)},
		{http.MethodPost, "/v1/events", siteAdmin, handleEvents(s.deps.Features, s.events, s.gpc)},

		{http.MethodGet, "/v1/recommendations", siteAdmin, handleRecommend(s.deps.Recommend, s.gpc, s.domain)},
		{http.MethodPost, "/v1/recommendations/preview", staff, handleRecommendPreview(s.deps.Recommend, s.deps.Rules)},
		{http.MethodGet, "/v1/decisions/:decision", ownData, handleDecision(s.deps.Recommend)},
		{http.MethodGet, "/v1/decisions/:decision/items/:item/why", ownData, handleWhy(s.deps.Recommend)},
		{http.MethodGet, "/v1/me/decisions/:decision/items/:item/why", customer, handleWhy(s.deps.Recommend)},
		{http.MethodGet, "/v1/decisions/:decision/actions/:action/why", ownData, handleActionWhy(s.deps.Recommend)},
		{http.MethodGet, "/v1/me/decisions/:decision/actions/:action/why", customer, handleActionWhy(s.deps.Recommend)},

		{http.MethodGet, "/v1/rulesets/:name/draft", staff, handleGetDraft(s.deps.Rules)},
		{http.MethodPut, "/v1/rulesets/:name/draft", staff, handlePutDraft(s.deps.Rules)},
		{http.MethodPost, "/v1/rulesets/:name/validate", staff, handleValidate(s.deps.Rules)},
		{http.MethodPost, "/v1/rulesets/:name/preview", staff, handlePreview(s.deps.Rules, s.deps.Recommend)},
		{http.MethodPost, "/v1/rulesets/:name/publish", staff, handlePublish(s.deps.Rules, s.deps.RulesReload)},
		{http.MethodPost, "/v1/rulesets/:name/rollback", staff, handleRollback(s.deps.Rules, s.deps.RulesReload)},
		{http.MethodGet, "/v1/rulesets/:name/versions", staff, handleVersions(s.deps.Rules)},
		{http.MethodGet, "/v1/rulesets/:name/versions/:version", staff, handleVersion(s.deps.Rules)},
		{http.MethodGet, "/v1/audit", staff, handleAudit(s.deps.Rules)},

		{http.MethodGet, "/v1/customers/:id/next-best-actions", siteAdmin, handleNextBestActions(s.deps.NextBest, s.gpc, s.domain)},
		{http.MethodPost, "/v1/customers/:id/actions/:action/deliver", siteAdmin, handleDeliver(s.deps.NextBest, s.gpc)},
		{http.MethodPost, "/v1/me/actions/:action/dismiss", customer, handleDismissAction(s.deps.Features)},
		{http.MethodGet, "/v1/actions", staff, handleGetActions(s.deps.NextBest)},
		{http.MethodPut, "/v1/actions", staff, handlePutActions(s.deps.NextBest)},
		{http.MethodPost, "/v1/actions/validate", staff, handleValidateActions(s.deps.NextBest)},
		{http.MethodPost, "/v1/actions/publish", staff, handlePublishActions(s.deps.NextBest)},
		{http.MethodPost, "/v1/actions/rollback", staff, handleRollbackActions(s.deps.NextBest)},
		{http.MethodGet, "/v1/actions/versions", staff, handleActionVersions(s.deps.NextBest)},
		{http.MethodGet, "/v1/actions/versions/:version", staff, handleActionVersion(s.deps.NextBest)},
		{http.MethodGet, "/v1/actions/audit", staff, handleActionAudit(s.deps.NextBest)},
		{http.MethodPost, "/v1/actions/simulate", staff, handleSimulateActions(s.deps.NextBest)},
		{http.MethodGet, "/v1/actions/responses", staff, handleActionResponses(s.deps.NextBest)},

		{http.MethodGet, "/v1/models", staff, handleListModels(s.deps.Models)},
		{http.MethodGet, "/v1/trust", staff, handleTrust(s.deps.Trust)},
		{http.MethodPost, "/v1/models/:version/activate", adminOnly, handleActivateModel(s.deps.Models)},

		// Pages: static HTML that calls the routes above; the data they
		// show has the auth of those routes.
		{http.MethodGet, "/me/privacy", public, handlePage(web.PrivacyPage)},
		{http.MethodGet, "/me/why/:decision/:item", public, handlePage(web.WhyPage)},
		{http.MethodGet, "/me/why/:decision/actions/:action", public, handlePage(web.WhyPage)},
		{http.MethodGet, "/console", public, handlePage(web.ConsolePage)},
		{http.MethodGet, "/assets/:file", public, handleAsset(s.deps.Demo != nil)},
	}
}

// demoRoutes exist only when the server runs the embedded demo; elsewhere
// they are 404.
func (s *Server) demoRoutes() []route {
	if s.deps.Demo == nil {
		return nil
	}
	return []route{
		{http.MethodGet, "/", public, handleDemoHome()},
		{http.MethodGet, "/demo", public, handlePage(web.DemoPage)},
		{http.MethodPost, "/demo/session", public, handleDemoSession(s.deps.Demo)},
		{http.MethodPost, "/demo/gpc", public, handleDemoGPC(s.deps.Demo, s.deps.Consent, s.consent)},
		{http.MethodGet, "/demo/images/:file", public, handleDemoPicture(s.deps.Demo)},
	}
}
