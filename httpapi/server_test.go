package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/recommend/recommendtest"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/rights"
	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/trust"
)

var testSecret = []byte("test-secret-test-secret-test-secret")

// memKeys is an in-memory KeyStore for transport tests; the Redis store has
// its own contract tests.
type memKeys struct {
	mu   sync.Mutex
	keys []auth.Key
}

func (m *memKeys) ListKeys(context.Context) ([]auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]auth.Key(nil), m.keys...), nil
}

func (m *memKeys) PutKey(_ context.Context, k auth.Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, k)
	return nil
}

func (m *memKeys) RevokeKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys {
		if k.ID == id {
			m.keys = append(m.keys[:i], m.keys[i+1:]...)
			return nil
		}
	}
	return candor.Errorf(candor.ENotFound, "no API key with id %q", id)
}

type fixture struct {
	actionsLive *actions.Live
	responses   *actions.Responses
	rules       *rules.Service
	rulesLive   *rules.Live
	model       *recommendtest.Model
	writer      *recommend.Writer
	trust       *trust.Counter
	recommend   *recommend.Service
	tokens      *auth.TokenVerifier
	db          *redistest.DB
	live        *catalog.Live
	features    *features.Service
	store       *redisstore.Store
	consent     *consent.Service
	srv         *Server
	deps        Deps
	ts          *httptest.Server
	keys        map[auth.Role]string
	logs        *observer.ObservedLogs
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := &memKeys{}
	f := &fixture{keys: map[auth.Role]string{}}
	for _, r := range auth.Roles {
		plain, k := auth.NewKey(r, "test-"+string(r), time.Now())
		_ = store.PutKey(context.Background(), k)
		f.keys[r] = plain
	}
	kr := auth.NewKeyring(store)
	if err := kr.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	f.logs = logs
	db := redistest.New(t)
	f.store = redisstore.New(db.Client, db.Namespace)
	f.consent = consent.NewService(f.store, consent.Config{PolicyVersion: 2})
	f.db = db
	f.tokens, _ = auth.NewHMACVerifier(testSecret)
	f.live = catalog.NewLive(f.store, catalog.DefaultSensitiveCategories)
	f.features = features.NewService(f.store, func() features.Catalog { return f.live.Load() }, f.consent.Request, features.DefaultRetention())
	_, f.model = recommendtest.World(11, 240)
	f.writer = recommend.NewWriter(f.store, recommend.Retention{}, 1000)
	f.trust = trust.NewCounter(f.store, nil)
	f.actionsLive = actions.NewLive(f.store)
	f.features.UseActions(func() features.ActionCatalog { return f.actionsLive.Load() })
	f.responses = actions.NewResponses(f.store)
	f.rules = rules.NewService(f.store, rules.Config{})
	f.rulesLive = rules.NewLive(f.store, "default", f.live.Load)
	f.recommend = recommend.NewService(recommend.Deps{Reader: f.store, Model: func() recommend.Model { return f.model }, Rules: f.rulesLive.Load,
		Catalog: func() *catalog.Snapshot { return f.live.Load() }, Request: f.consent.Request,
		Feedback: redisstore.ParseFeedback, Decisions: f.writer, Store: f.store}, recommend.Config{})
	f.deps = Deps{Logger: zap.New(core), Registry: prometheus.NewRegistry(), Keyring: kr, Keys: store, Consent: f.consent,
		Catalog: f.live, Items: f.store, Features: f.features, Tokens: f.tokens, Rights: f.rights(),
		Recommend: f.recommend, Decisions: f.writer, Trust: f.trust, Rules: f.rules, RulesReload: f.rulesLive.Reload, NextBest: f.nextBest(),
		GPC:   func(id string) { _, _ = f.consent.RecordGPC(context.Background(), id) }, // in the request, so tests need not wait
		Ready: []ReadyCheck{{Name: "redis", Check: func(context.Context) error { return nil }}}}
	f.serve(t, f.deps)
	return f
}

// rights is the rights service as the server wires it: the export shows
// decisions through the scorer.
func (f *fixture) rights() *rights.Service {
	r := rights.NewService(f.store, f.consent)
	r.UseDecisions(f.recommend)
	return r
}

// serve makes f's server one built from d.
func (f *fixture) serve(t *testing.T, d Deps) {
	t.Helper()
	if f.ts != nil {
		f.ts.Close()
		d.Registry = prometheus.NewRegistry()
	}
	f.srv = New(d)
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
}

func (f *fixture) do(t *testing.T, method, path string, role auth.Role, body string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{}
	if role != "" {
		h["Authorization"] = "Bearer " + f.keys[role]
	}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return f.request(t, method, path, body, h)
}

// request sends one request with the given headers.
func (f *fixture) request(t *testing.T, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// errorOf decodes an error body and fails unless it has the documented shape.
func errorOf(t *testing.T, b []byte) errorDetail {
	t.Helper()
	var body errorBody
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body %s: %v", b, err)
	}
	if body.Error.Code == "" || body.Error.Message == "" || body.Error.RequestID == "" {
		t.Fatalf("error body %s lacks code, message or request_id", b)
	}
	return body.Error
}

func TestAuthRoles(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		method     string
		path       string
		role       auth.Role
		wantStatus int
		wantCode   string
	}{
		{"public without key", "GET", "/healthz", "", 200, ""},
		{"no key", "GET", "/v1/whoami", "", 401, candor.EUnauthorized},
		{"site may whoami", "GET", "/v1/whoami", auth.RoleSite, 200, ""},
		{"site may not list keys", "GET", "/v1/keys", auth.RoleSite, 403, candor.EForbidden},
		{"marketer may not list keys", "GET", "/v1/keys", auth.RoleMarketer, 403, candor.EForbidden},
		{"admin lists keys", "GET", "/v1/keys", auth.RoleAdmin, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := f.do(t, tt.method, tt.path, tt.role, "")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, b)
			}
			if tt.wantCode != "" {
				if got := errorOf(t, b).Code; got != tt.wantCode {
					t.Errorf("code = %q, want %q", got, tt.wantCode)
				}
			}
		})
	}
}

func TestBadKeyIsRejected(t *testing.T) {
	f := newFixture(t)
	for _, h := range []string{"Bearer cnd_wrong", "Basic abc", "Bearer "} {
		req, _ := http.NewRequest("GET", f.ts.URL+"/v1/whoami", nil)
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || errorOf(t, b).Code != candor.EUnauthorized {
			t.Errorf("%q: status %d body %s", h, resp.StatusCode, b)
		}
	}
}

func TestErrorResponses(t *testing.T) {
	f := newFixture(t)
	big := `{"role":"site","name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
		wantInMessage            string
	}{
		{"unknown route", "GET", "/v1/nope", "", 404, candor.ENotFound, "No such route"},
		{"wrong method", "PATCH", "/v1/keys", "", 405, codeMethodNotAllowed, ""},
		{"malformed json", "POST", "/v1/keys", `{"role": "site",`, 400, candor.EInvalid, "Malformed JSON"},
		{"syntax error", "POST", "/v1/keys", `{"role" "site"}`, 400, candor.EInvalid, "byte"},
		{"unknown field", "POST", "/v1/keys", `{"role":"site","name":"a","admin":true}`, 400, candor.EInvalid, `"admin"`},
		{"wrong type", "POST", "/v1/keys", `{"role":"site","name":7}`, 400, candor.EInvalid, `Field "name" must be a string, not a number.`},
		{"wrong type of body", "POST", "/v1/keys", `["site"]`, 400, candor.EInvalid, `The request body must be an object, not an array.`},
		{"object for a string", "POST", "/v1/keys", `{"role":{},"name":"a"}`, 400, candor.EInvalid, `Field "role" must be a string, not an object.`},
		{"empty body", "POST", "/v1/keys", ``, 400, candor.EInvalid, "empty"},
		{"trailing data", "POST", "/v1/keys", `{"role":"site","name":"a"} {}`, 400, candor.EInvalid, "one JSON value"},
		{"bad role", "POST", "/v1/keys", `{"role":"root","name":"a"}`, 400, candor.EInvalid, "site, marketer or admin"},
		{"too large", "POST", "/v1/keys", big, 413, candor.ETooLarge, "larger than"},
		{"revoke unknown", "DELETE", "/v1/keys/abc", "", 404, candor.ENotFound, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := f.do(t, tt.method, tt.path, auth.RoleAdmin, tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, b)
			}
			e := errorOf(t, b)
			if e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantInMessage) {
				t.Errorf("error = %+v, want code %q and message containing %q", e, tt.wantCode, tt.wantInMessage)
			}
			if e.RequestID != resp.Header.Get("X-Request-ID") {
				t.Errorf("request_id %q != header %q", e.RequestID, resp.Header.Get("X-Request-ID"))
			}
		})
	}
}

// A field of an embedded struct (feedback's) is named by its JSON name
// alone, as the customer sent it.
func TestEmbeddedFieldNamedAsSent(t *testing.T) {
	var req feedbackRequest
	err := decodeError(candor.DecodeJSON([]byte(`{"kind":"not_interested","item_id":1}`), &req), "The request body", &req)
	if got := candor.ErrorMessage(err); got != `Field "item_id" must be a string, not a number.` {
		t.Errorf("message %q", got)
	}
}

func TestChunkedOversizeBodyIs413(t *testing.T) {
	f := newFixture(t)
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`{"role":"site","name":"`))
		_, _ = pw.Write([]byte(strings.Repeat("y", maxBodyBytes+10)))
		_ = pw.Close()
	}()
	req, _ := http.NewRequest("POST", f.ts.URL+"/v1/keys", pr)
	req.Header.Set("Authorization", "Bearer "+f.keys[auth.RoleAdmin])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || errorOf(t, b).Code != candor.ETooLarge {
		t.Errorf("status %d body %s", resp.StatusCode, b)
	}
}

func TestCreateUseAndRevokeKey(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do(t, "POST", "/v1/keys", auth.RoleAdmin, `{"role":"marketer","name":"campaigns"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var created keyView
	_ = json.Unmarshal(b, &created)
	f.keys["new"] = created.Key
	if resp, b := f.do(t, "GET", "/v1/whoami", "new", ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"marketer"`) {
		t.Fatalf("new key: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "DELETE", "/v1/keys/"+created.ID, auth.RoleAdmin, ""); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/v1/whoami", "new", ""); resp.StatusCode != 401 {
		t.Errorf("revoked key: status %d, want 401", resp.StatusCode)
	}
	_, list := f.do(t, "GET", "/v1/keys", auth.RoleAdmin, "")
	if strings.Contains(string(list), created.Key) || strings.Contains(string(list), "hash") {
		t.Errorf("key list leaks secrets: %s", list)
	}
}

func TestPanicIs500AndServerKeepsServing(t *testing.T) {
	f := newFixture(t)
	f.srv.echo.GET("/boom", func(c echo.Context) error { panic("kaboom") })
	resp, b := f.do(t, "GET", "/boom", "", "")
	if resp.StatusCode != 500 {
		t.Fatalf("status = %d, want 500", resp.StatusCode)
	}
	e := errorOf(t, b)
	if e.Code != candor.EInternal || strings.Contains(string(b), "kaboom") {
		t.Errorf("body %s: want internal code and no panic value", b)
	}
	logged := f.logs.FilterMessage("request").FilterField(zap.Int("status", 500)).All()
	if len(logged) != 1 || !strings.Contains(logged[0].ContextMap()["stack"].(string), "server_test.go") {
		t.Errorf("want one 500 log line with stack, got %d", len(logged))
	}
	if resp, _ := f.do(t, "GET", "/healthz", "", ""); resp.StatusCode != 200 {
		t.Errorf("after panic /healthz = %d", resp.StatusCode)
	}
}

func TestRequestIDEchoedOrGenerated(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("GET", f.ts.URL+"/healthz", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed id = %q", got)
	}
	req.Header.Set("X-Request-ID", "bad id\twith spaces")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated id = %q", got)
	}
	if n := f.logs.FilterField(zap.String("request_id", "abc-123")).Len(); n != 1 {
		t.Errorf("access log lines with the id = %d, want 1", n)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	f := newFixture(t)
	f.do(t, "GET", "/v1/whoami", auth.RoleSite, "")
	f.do(t, "GET", "/v1/whoami", "", "")
	_, b := f.do(t, "GET", "/metrics", "", "")
	for _, want := range []string{
		`candor_http_requests_total{method="GET",route="/v1/whoami",status="200"} 1`,
		`candor_http_requests_total{method="GET",route="/v1/whoami",status="401"} 1`,
		`candor_http_request_duration_seconds_bucket{method="GET",route="/v1/whoami"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestReadyzSharedCheckGatesOnlyStartup: a startup check (Redis, shared
// by every replica) holds the server unready until its first ready answer;
// after it, its failure is reported as degraded with a 200, so every
// replica stays in the load balancer and answers with the fallback. A
// check that is not a startup check still makes it unready.
func TestReadyzSharedCheckGatesOnlyStartup(t *testing.T) {
	var redisDown, modelGone atomic.Bool
	check := func(down *atomic.Bool, msg string) func(context.Context) error {
		return func(context.Context) error {
			if down.Load() {
				return candor.Errorf(candor.EUnavailable, "%s", msg)
			}
			return nil
		}
	}
	srv := New(Deps{Ready: []ReadyCheck{{Name: "redis", Check: check(&redisDown, "Redis did not answer."), Startup: true},
		{Name: "model", Check: check(&modelGone, "No model loaded yet.")}}})
	readyz := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	steps := []struct {
		name           string
		redis, model   bool // down, gone
		code           int
		status, inBody string
	}{
		{"Redis down at start", true, false, 503, `"status":"not_ready"`, "Redis did not answer"},
		{"Redis up", false, false, 200, `"status":"ready"`, `"redis":"ok"`},
		{"Redis down after the first ready answer", true, false, 200, `"status":"degraded"`, "Redis did not answer"},
		{"and a gating check failing too", true, true, 503, `"status":"not_ready"`, "No model loaded yet"},
		{"Redis back", false, false, 200, `"status":"ready"`, `"model":"ok"`},
	}
	for _, st := range steps {
		redisDown.Store(st.redis)
		modelGone.Store(st.model)
		if code, body := readyz(); code != st.code || !strings.Contains(body, st.status) || !strings.Contains(body, st.inBody) {
			t.Errorf("%s: readyz = %d %s; want %d with %s and %s", st.name, code, body, st.code, st.status, st.inBody)
		}
	}
}

func TestReadyzReportsFailingCheck(t *testing.T) {
	srv := New(Deps{Ready: []ReadyCheck{{Name: "redis", Check: func(ctx context.Context) error {
		return candor.Errorf(candor.EUnavailable, "Redis did not answer.")
	}}}})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "Redis did not answer") {
		t.Errorf("readyz = %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/keys", nil))
	_ = rec // 401, no Retry-After
	if rec.Header().Get("Retry-After") != "" {
		t.Error("Retry-After on a 401")
	}
}

// TestOpenAPIDescribesEveryRoute fails when a route in routes.go is missing
// from /openapi.json, or the document is not valid OpenAPI 3.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t)
	_, b := f.do(t, "GET", "/openapi.json", "", "")
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	demo := &Server{deps: Deps{Demo: &Demo{}}}
	for _, r := range append(f.srv.routes(), demo.demoRoutes()...) {
		p := openapiPath(r.path)
		item := doc.Paths.Find(p)
		if item == nil || item.GetOperation(r.method) == nil {
			t.Errorf("%s %s is not in openapi.json (as %s)", r.method, r.path, p)
			continue
		}
		if op := item.GetOperation(r.method); len(r.roles) > 0 && op.Security == nil {
			t.Errorf("%s %s needs a key but openapi.json has no security for it", r.method, r.path)
		}
	}
}

// openapiPath turns echo's /a/:id into OpenAPI's /a/{id}.
func openapiPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func (f *fixture) nextBest() *NextBest {
	return &NextBest{Engine: actions.NewEngine(f.actionsLive.Load, actions.Config{}), Service: actions.NewService(f.store, nil),
		Reload: f.actionsLive.Reload, Gated: f.recommend, Reader: f.store, Model: func() recommend.Model { return f.model },
		Catalog: f.live.Load, Request: f.consent.Request, Decisions: f.store, Responses: f.responses.Load, Deliverer: f.store,
		Observed: f.store}
}
