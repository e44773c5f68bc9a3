package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// promNames are the metric names a PromQL expression uses.
var promNames = regexp.MustCompile(`\bcandor_[a-z0-9_]+`)

// Every metric the dashboard and the alert rules use is one the server
// exports: its descriptor is registered on the registry /metrics serves,
// wired as serve wires it (so labelled vectors count before they are
// observed).
func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	db := redistest.New(t)
	st := redisstore.New(db.Client, db.Namespace)
	svc, err := newServices(testConfig(t, "--redis-url", redisURL(db), "--namespace", db.Namespace), st)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(svc, st)
	newAPIOn(reg, svc, st, auth.NewKeyring(st), zap.NewNop(), nil)
	exported := map[string]bool{}
	ch := make(chan *prometheus.Desc, 1024)
	reg.Describe(ch)
	close(ch)
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
		}
	}
	used := map[string][]string{} // name → files
	for file, exprs := range map[string][]string{
		"deploy/grafana/candor.json":   dashboardExprs(t, "../../deploy/grafana/candor.json"),
		"deploy/prometheus/alerts.yml": alertExprs(t, "../../deploy/prometheus/alerts.yml"),
	} {
		if len(exprs) < 5 {
			t.Errorf("%s: only %d expressions", file, len(exprs))
		}
		for _, e := range exprs {
			for _, n := range promNames.FindAllString(e, -1) {
				used[n] = append(used[n], file)
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(used)) {
		base := n
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(n, suf); ok && exported[b] {
				base = b
			}
		}
		if !exported[base] {
			t.Errorf("%s uses %s, which the server does not export", strings.Join(slices.Compact(used[n]), ", "), n)
		}
	}
	for _, want := range []string{"candor_recommendations_total", "candor_model_age_seconds", "candor_decision_records_dropped_total",
		"candor_model_training_duration_seconds_bucket", "candor_consent_customers", "candor_customers_shown_personalized", "candor_customer_counts_failed_total"} {
		if used[want] == nil {
			t.Errorf("neither the dashboard nor the alerts use %s", want)
		}
	}
}

// dashboardExprs returns every "expr" of a Grafana dashboard, at any depth.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["expr"].(string); ok {
				out = append(out, e)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// alertExprs returns the expr of every rule of a Prometheus rules file.
func alertExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("%s: a rule of group %s lacks alert or expr", path, g.Name)
			}
			out = append(out, r.Expr)
		}
	}
	return out
}
