package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/candorhq/candor/auth"
)

func newRecorder(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestCatalogSearchAndFacets(t *testing.T) {
	f := newFixture(t)
	items := `{"items":[
		{"id":"p1","title":"Oak Chef Knife","category":["kitchen","knives"],"brand":"Oak","price":30,"available":true,"image_url":"/demo/images/p1.svg"},
		{"id":"p2","title":"North Skillet","category":["kitchen","cookware"],"brand":"North & Co","price":40,"available":true},
		{"id":"p3","title":"Lumen Lamp","category":["home","lighting"],"price":20,"available":true}]}`
	if resp, b := f.do(t, "PUT", "/v1/catalog/items", auth.RoleSite, items); resp.StatusCode != 200 {
		t.Fatalf("put items: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		path string
		code int
		want []string
	}{
		{"/v1/catalog/items?q=chef", 200, []string{"p1"}},
		{"/v1/catalog/items?category=kitchen&limit=1", 200, []string{"p2"}},
		{"/v1/catalog/items?ids=p3,p1", 200, []string{"p3", "p1"}},
		{"/v1/catalog/items?colour=red", 400, nil},
		{"/v1/catalog/items?limit=0", 400, nil},
	} {
		resp, b := f.do(t, "GET", tc.path, auth.RoleMarketer, "")
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s: %d %s", tc.path, resp.StatusCode, b)
			continue
		}
		if tc.code != 200 {
			continue
		}
		var r searchResponse
		_ = json.Unmarshal(b, &r)
		var got []string
		for _, it := range r.Items {
			got = append(got, it.ID)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("GET %s: %v, want %v", tc.path, got, tc.want)
		}
	}
	resp, b := f.do(t, "GET", "/v1/catalog/facets", auth.RoleSite, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `{"name":"kitchen","items":2,"subcategories":[{"name":"cookware","items":1},{"name":"knives","items":1}]}`) ||
		!strings.Contains(string(b), `"brands":[{"name":"North \u0026 Co","items":1},{"name":"Oak","items":1}]`) {
		t.Errorf("facets: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "GET", "/v1/catalog/items", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("search without a key: %d", resp.StatusCode)
	}
}

func TestDemoPictures(t *testing.T) {
	f := newFixture(t)
	if resp, _ := f.do(t, "GET", "/demo/images/p1.svg", "", ""); resp.StatusCode != 404 {
		t.Errorf("picture without demo mode: %d", resp.StatusCode)
	}
	d := f.srv.deps
	d.Registry = prometheus.NewRegistry()
	d.Demo = &Demo{Picture: func(id string) ([]byte, bool) { return []byte("<svg/>"), id == "p1" }}
	srv := New(d)
	for _, tc := range []struct {
		path string
		code int
	}{{"/demo/images/p1.svg", 200}, {"/demo/images/p2.svg", 404}, {"/demo/images/p1.png", 404}} {
		rec := newRecorder(srv, "GET", tc.path)
		if rec.Code != tc.code || tc.code == 200 && rec.Header().Get("Content-Type") != "image/svg+xml" {
			t.Errorf("GET %s: %d %s", tc.path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}
