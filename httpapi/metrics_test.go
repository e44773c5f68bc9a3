package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/trust"
)

// sample is one line of the /metrics exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads f's /metrics.
func (f *fixture) scrape(t *testing.T) []sample {
	t.Helper()
	resp, b := f.do(t, "GET", "/metrics", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	var out []sample
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

// parseSample parses `name{k="v",...} value` (no timestamp).
func parseSample(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for line[0] != '}' {
			eq := strings.Index(line, `="`)
			if eq < 0 {
				return s, fmt.Errorf("bad label")
			}
			key, rest := line[:eq], line[eq+2:]
			var v strings.Builder
			j := 0
			for ; rest[j] != '"'; j++ {
				if rest[j] == '\\' {
					j++
					if rest[j] == 'n' {
						v.WriteByte('\n')
						continue
					}
				}
				v.WriteByte(rest[j])
			}
			s.labels[key] = v.String()
			line = strings.TrimPrefix(rest[j+1:], ",")
		}
		line = line[1:]
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
	s.value = v
	return s, err
}

// valueOf sums the samples of name whose labels include want.
func valueOf(samples []sample, name string, want map[string]string) float64 {
	var sum float64
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range want {
			if s.labels[k] != v {
				ok = false
			}
		}
		if ok {
			sum += s.value
		}
	}
	return sum
}

// wantValue fails the test unless the samples of name with labels sum to
// want.
func wantValue(t *testing.T, m []sample, name string, labels map[string]string, want float64) {
	t.Helper()
	if got := valueOf(m, name, labels); got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// l makes a label set from pairs.
func l(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestMetricsCountEventsByTypeAndReason(t *testing.T) {
	f := newFixture(t)
	f.seedCatalog(t)
	f.send(t, "PUT", "/v1/customers/ev1/consent", `{"preset":"none","scopes":{"purchases":"granted"}}`, nil)
	f.postEvents(t, `[{"customer_id":"ev1","type":"purchase","item_id":"i1"},{"customer_id":"ev1","type":"view","item_id":"i2"},
	 {"customer_id":"ev2","type":"view","item_id":"i2"},{"customer_id":"ev1","type":"teleport","item_id":"i1"}]`)
	m := f.scrape(t)
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{l("status", "stored", "type", "purchase", "set", "purchases", "reason", ""), 1},
		{l("status", "dropped", "type", "view", "set", "browsing", "reason", "denied"), 1},
		{l("status", "dropped", "type", "view", "set", "browsing", "reason", "no_record"), 1},
		{l("status", "invalid", "type", ""), 1}, // an unknown type is not a label value
	} {
		wantValue(t, m, "candor_events_total", c.labels, c.want)
	}
	wantValue(t, m, "candor_consent_changes_total", l("scope", "purchases", "state", "granted", "source", "api"), 1)
}

// A withdrawal counts once, with shown="true" only when the customer had
// been shown a recommendation personalized with the withdrawn set (its
// decision record was written), and a first denial is no withdrawal.
func TestMetricsCountWithdrawalsAfterPersonalizedRecommendations(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	for _, id := range []string{"w-shown", "w-not-shown"} {
		f.send(t, "PUT", "/v1/customers/"+id+"/consent", `{"preset":"full"}`, nil)
	}
	f.postEvents(t, `[{"customer_id":"w-shown","type":"purchase","item_id":"i003"}]`)
	r := f.recs(t, "customer_id=w-shown&n=5")
	cancel()
	<-done // the decision and its evidence are stored
	if r.Personalization.Level != "full" || !hasReason(r, recommend.KindBoughtTogether) {
		t.Fatalf("recommendation not personalized with purchases: %+v", r.Personalization)
	}
	for _, id := range []string{"w-shown", "w-not-shown"} {
		f.send(t, "PUT", "/v1/customers/"+id+"/consent", `{"scopes":{"purchases":"denied"}}`, nil)
	}
	f.send(t, "PUT", "/v1/customers/w-never/consent", `{"scopes":{"purchases":"denied"}}`, nil) // never granted
	m := f.scrape(t)
	for _, c := range []struct {
		shown string
		want  float64
	}{{"true", 1}, {"false", 1}} {
		wantValue(t, m, "candor_consent_withdrawals_total", l("scope", "purchases", "shown", c.shown), c.want)
	}
	wantValue(t, m, "candor_consent_changes_total", l("scope", "purchases", "state", "denied"), 3)
	wantValue(t, m, "candor_recommendations_total", l("personalization", "full", "fallback_reason", "", "model_version", "test-1", "ruleset_version", "0"), 1)
	if got := valueOf(m, "candor_decision_records_written_total", nil); got < 1 {
		t.Errorf("decision records written = %v", got)
	}
}

func TestMetricsCountFeedbackPerModelAndRuleset(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	tok := f.token(t, "fb-m", time.Minute)
	for _, body := range []string{`{"kind":"not_interested","item_id":"i003"}`, `{"kind":"not_interested","item_id":"i004"}`,
		`{"kind":"wrong_reason","item_id":"i003","text":"a gift"}`, `{"kind":"hide_category","category":"garden"}`,
		`{"kind":"remove_from_history","item_id":"i005"}`} {
		if code, b := f.as(t, tok, "POST", "/v1/me/feedback", body); code != 200 {
			t.Fatalf("%s: %d %s", body, code, b)
		}
	}
	f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"love"}`) // refused: not counted
	m := f.scrape(t)
	for kind, want := range map[string]float64{"not_interested": 2, "wrong_reason": 1, "hide_category": 1, "remove_from_history": 1} {
		wantValue(t, m, "candor_feedback_total", l("kind", kind, "model_version", "test-1", "ruleset_version", "0"), want)
	}
	wantValue(t, m, "candor_feedback_total", nil, 5)
	wantValue(t, m, "candor_model_info", l("version", "test-1"), 1)
}

func TestMetricsCountErasuresAndRateLimits(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "rl-m", time.Minute)
	for range 11 {
		f.as(t, tok, "DELETE", "/v1/me", "")
	}
	m := f.scrape(t)
	wantValue(t, m, "candor_erasures_total", nil, 10)
	wantValue(t, m, "candor_rate_limited_total", l("limit", "erase"), 1)
}

// With Redis paused, recommendations and next-best actions answer with the
// fallback, and both count it with its reason.
func TestMetricsCountFallbackWhenRedisIsPaused(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, testActions)
	proxy := f.pausable(t)
	proxy.Pause()
	defer proxy.Resume()
	for range 2 {
		if r := f.recs(t, "customer_id=fb1&n=3"); !r.Fallback.Active {
			t.Fatalf("not the fallback: %+v", r.Fallback)
		}
		f.send(t, "GET", "/v1/customers/fb1/next-best-actions?channel=email", "", nil)
	}
	m := f.scrape(t)
	fellBack := func(name string) float64 {
		var n float64
		for _, s := range m {
			if s.name == name && s.labels["fallback_reason"] != "" && s.labels["personalization"] == "none" {
				n += s.value
			}
		}
		return n
	}
	if got := fellBack("candor_recommendations_total"); got != 2 {
		t.Errorf("fallback recommendations = %v, want 2:\n%s", got, grepLines(scrapeText(t, f), "candor_recommendations_total"))
	}
	if got := fellBack("candor_next_best_actions_total"); got != 2 {
		t.Errorf("fallback next-best actions = %v, want 2", got)
	}
}

// pausable serves f with recommendations and next-best actions reading
// through a proxy to Redis that the test can pause.
func (f *fixture) pausable(t *testing.T) *redistest.Proxy {
	t.Helper()
	proxy := redistest.NewProxy(t, f.db.Addr())
	paused, err := redisstore.Open(redisstore.Options{URL: proxy.URL()}, f.db.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { paused.Close() })
	if err := paused.LoadScripts(context.Background()); err != nil {
		t.Fatal(err)
	}
	gate := recommend.NewService(recommend.Deps{Reader: paused, Model: func() recommend.Model { return f.model },
		Catalog: f.live.Load, Request: f.consent.Request}, recommend.Config{})
	d := f.deps
	nb := *d.NextBest
	nb.Gated, nb.Reader = gate, paused
	d.NextBest, d.Recommend = &nb, gate
	f.serve(t, d)
	return proxy
}

func scrapeText(t *testing.T, f *fixture) string {
	_, b := f.do(t, "GET", "/metrics", "", "")
	return string(b)
}

func TestMetricsCountRulesSkippedForCost(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	before := valueOf(f.scrape(t), "candor_rules_skipped_for_cost_total", nil)
	f.publishCostlyRuleset(t)
	f.recs(t, "customer_id=sk1&n=5")
	m := f.scrape(t)
	if after := valueOf(m, "candor_rules_skipped_for_cost_total", nil); after < before+1 {
		t.Errorf("rules skipped for cost: %v before, %v after, want at least one more", before, after)
	}
	wantValue(t, m, "candor_ruleset_info", l("version", "1"), 1)
	wantValue(t, m, "candor_recommendations_total", l("ruleset_version", "1"), 1)
}

// A full writer queue drops the record and says so.
func TestMetricsCountDecisionQueueAndDrops(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	w := recommend.NewWriter(f.store, recommend.Retention{}, 1) // not running: the queue holds one record
	svc := recommend.NewService(recommend.Deps{Reader: f.store, Model: func() recommend.Model { return f.model },
		Catalog: f.live.Load, Request: f.consent.Request, Decisions: w}, recommend.Config{})
	d := f.deps
	d.Recommend, d.Decisions = svc, w
	f.serve(t, d)
	for range 3 {
		f.recs(t, "customer_id=q1&n=3")
	}
	m := f.scrape(t)
	wantValue(t, m, "candor_decision_queue_length", nil, 1)
	wantValue(t, m, "candor_decision_records_dropped_total", nil, 2)
}

// No candor_* label value names a customer or an item the API was called
// with: after every path that counts something, the label values are
// scanned for each ID.
func TestMetricsNameNoCustomerOrItem(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	f.publishActions(t, testActions)
	customers := []string{"cust-zq7", "cust-xk2", "cust-wv9"}
	items := []string{"i003", "i009", "i015"}
	for _, id := range customers {
		f.send(t, "PUT", "/v1/customers/"+id+"/consent", `{"preset":"full","scopes":{"email":"granted"}}`, map[string]string{"Sec-GPC": "1"})
		for _, it := range items {
			f.postEvents(t, fmt.Sprintf(`[{"customer_id":%q,"type":"purchase","item_id":%q},{"customer_id":%[1]q,"type":"view","item_id":%[2]q}]`, id, it))
		}
		f.recs(t, "customer_id="+id+"&n=5&item_id="+items[0])
		f.send(t, "GET", "/v1/customers/"+id+"/next-best-actions?channel=email", "", nil)
		tok := f.token(t, id, time.Minute)
		f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"not_interested","item_id":"`+items[1]+`"}`)
		f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"wrong_reason","item_id":"`+items[2]+`","text":"`+id+`"}`)
		f.as(t, tok, "PUT", "/v1/me/consent", `{"scopes":{"purchases":"denied"}}`)
		f.as(t, tok, "GET", "/v1/me/export", "")
		f.send(t, "GET", "/v1/catalog/items/"+items[0], "", nil)
	}
	f.as(t, f.token(t, customers[0], time.Minute), "DELETE", "/v1/me", "")
	ids := append(append(slices.Clone(customers), items...), f.model.IDs()...)
	seen := 0
	for _, s := range f.scrape(t) {
		if !strings.HasPrefix(s.name, "candor_") {
			continue
		}
		for k, v := range s.labels {
			seen++
			for _, id := range ids {
				if v != "" && strings.Contains(v, id) {
					t.Errorf("%s{%s=%q} names %s", s.name, k, v, id)
				}
			}
		}
	}
	if seen < 50 {
		t.Errorf("only %d label values scanned: the paths did not count", seen)
	}
}

// The Trust panel's totals: what the metrics count is also added, per
// hour and summed over replicas, to the store, and GET /v1/trust returns
// it to marketers only.
func TestTrustTotalsPerHour(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.send(t, "PUT", "/v1/customers/t1/consent", `{"preset":"full"}`, nil)
	f.postEvents(t, `[{"customer_id":"t1","type":"purchase","item_id":"i003"}]`)
	f.recs(t, "customer_id=t1&n=5")
	f.recs(t, "customer_id=t2&n=5") // no consent: none
	cancel()
	<-done
	tok := f.token(t, "t1", time.Minute)
	f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"wrong_reason","item_id":"i003","text":"a gift"}`)
	f.as(t, tok, "PUT", "/v1/me/consent", `{"scopes":{"purchases":"denied"}}`)
	if err := f.trust.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.marketer(t, "GET", "/v1/trust?hours=0", ""); code != 400 {
		t.Errorf("hours=0: %d, want 400", code)
	}
	if resp, _ := f.do(t, "GET", "/v1/trust", auth.RoleSite, ""); resp.StatusCode != 403 {
		t.Errorf("a site key read the trust totals: %d", resp.StatusCode)
	}
	code, b := f.marketer(t, "GET", "/v1/trust?hours=2", "")
	var out struct{ Hours []trust.Hour }
	if err := json.Unmarshal(b, &out); err != nil || code != 200 || len(out.Hours) != 2 {
		t.Fatalf("trust: %d %s", code, b)
	}
	got := map[string]int64{} // both hours: the test may cross an hour
	for _, h := range out.Hours {
		for k, n := range h.Counts {
			got[k] += n
		}
	}
	for field, want := range map[string]int64{"rec:full": 1, "rec:none": 1, "rec@test-1@0": 2, "feedback:wrong_reason": 1,
		"feedback:wrong_reason@test-1@0": 1, trust.WithdrawalShown: 1} {
		if got[field] != want {
			t.Errorf("%s = %d, want %d (totals %v)", field, got[field], want, got)
		}
	}
	checkSchema(t, "TrustTotals", b)
}

// Feedback that names a decision is credited to the model and ruleset
// versions that decision was made with, not to those live when it
// arrives; without one, or naming one no longer kept, to the live ones.
func TestFeedbackCreditedToTheDecisionsVersions(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.send(t, "PUT", "/v1/customers/fb-d/consent", `{"preset":"full"}`, nil)
	r := f.recs(t, "customer_id=fb-d&n=5")
	cancel()
	<-done // the decision is stored
	f.marketer(t, "PUT", "/v1/rulesets/default/draft", `{"rules":[{"id":"toys","when":"item.category == \"toys\"","action":{"type":"boost","add":10}}]}`)
	if code, b := f.marketer(t, "POST", "/v1/rulesets/default/publish", ""); code != 200 || r.RulesetVersion != 0 {
		t.Fatalf("publish: %d %s (decision made under ruleset %d)", code, b, r.RulesetVersion)
	}
	tok := f.token(t, "fb-d", time.Minute)
	for _, body := range []string{
		`{"kind":"not_interested","item_id":"` + r.Items[0].ItemID + `","decision_id":"` + r.DecisionID + `"}`, // ruleset 0
		`{"kind":"not_interested","item_id":"` + r.Items[1].ItemID + `"}`,                                      // live: 1
		`{"kind":"not_interested","item_id":"i004","decision_id":"0123456789abcdef0123456789abcdef"}`,          // not kept: live
	} {
		if code, b := f.as(t, tok, "POST", "/v1/me/feedback", body); code != 200 {
			t.Fatalf("%s: %d %s", body, code, b)
		}
	}
	if code, _ := f.as(t, tok, "POST", "/v1/me/feedback", `{"kind":"not_interested","item_id":"i004","decision_id":"no/such"}`); code != 400 {
		t.Errorf("a malformed decision_id: %d, want 400", code)
	}
	m := f.scrape(t)
	wantValue(t, m, "candor_feedback_total", l("kind", "not_interested", "model_version", "test-1", "ruleset_version", "0"), 1)
	wantValue(t, m, "candor_feedback_total", l("kind", "not_interested", "model_version", "test-1", "ruleset_version", "1"), 2)
	if err := f.trust.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	hours, err := f.trust.Hours(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, h := range hours {
		for k, n := range h.Counts {
			got[k] += n
		}
	}
	if got["feedback:not_interested@test-1@0"] != 1 || got["feedback:not_interested@test-1@1"] != 2 {
		t.Errorf("trust totals by version: %v", got)
	}
}

// The counts of customers move when their events happen, through the API:
// a consent change moves the customer's level, a personalized
// recommendation (once its decision is stored) counts the customer as
// shown, again only once, and an erasure takes the customer out of both.
// GET /v1/trust has them at once; /metrics once the trust counter has
// read them (Snapshot, every trust.FlushEvery in a server).
func TestCustomerCountsMoveWithTheirEvents(t *testing.T) {
	f := newFixture(t)
	f.seedWorld(t)
	customers := func() trust.Customers {
		t.Helper()
		code, b := f.marketer(t, "GET", "/v1/trust?hours=1", "")
		var out struct{ Customers trust.Customers }
		if err := json.Unmarshal(b, &out); err != nil || code != 200 {
			t.Fatalf("trust: %d %s", code, b)
		}
		checkSchema(t, "TrustTotals", b)
		return out.Customers
	}
	wantCustomers := func(step string, full, partial, none, shown int64) {
		t.Helper()
		got := customers()
		if got.Levels["full"] != full || got.Levels["partial"] != partial || got.Levels["none"] != none || got.Shown != shown {
			t.Errorf("%s: customers %+v, want full %d, partial %d, none %d, shown %d", step, got, full, partial, none, shown)
		}
	}
	wantCustomers("before", 0, 0, 0, 0)
	f.send(t, "PUT", "/v1/customers/k1/consent", `{"preset":"full"}`, nil)
	f.send(t, "PUT", "/v1/customers/k2/consent", `{"preset":"none"}`, nil)
	f.send(t, "PUT", "/v1/customers/k1/consent", `{"preset":"full"}`, nil) // the same again
	wantCustomers("consent", 1, 0, 1, 0)
	f.postEvents(t, `[{"customer_id":"k1","type":"purchase","item_id":"i003"}]`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.writer.Run(ctx); close(done) }()
	f.recs(t, "customer_id=k1&n=5")
	f.recs(t, "customer_id=k1&n=5")
	f.recs(t, "customer_id=k2&n=5") // not personalized
	cancel()
	<-done
	wantCustomers("recommended", 1, 0, 1, 1)
	f.send(t, "PUT", "/v1/customers/k1/consent", `{"scopes":{"browsing":"denied"}}`, nil)
	wantCustomers("withdrawn", 0, 1, 1, 1)
	if err := f.trust.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := f.scrape(t)
	wantValue(t, m, "candor_consent_customers", l("level", "partial"), 1)
	wantValue(t, m, "candor_consent_customers", l("level", "none"), 1)
	wantValue(t, m, "candor_consent_customers", l("level", "full"), 0)
	wantValue(t, m, "candor_customers_shown_personalized", nil, 1)
	f.send(t, "DELETE", "/v1/customers/k1", "", map[string]string{"Authorization": "Bearer " + f.keys[auth.RoleAdmin]})
	wantCustomers("erased", 0, 0, 1, 0)
}
