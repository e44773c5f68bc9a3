package main

import (
	"context"
	"github.com/candorhq/candor/internal/eventually"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

func send(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTwoReplicasShareOneRedis: a ruleset published through one server is
// served by the other; consent changed through one is obeyed by the other
// on the next request.
func TestTwoReplicasShareOneRedis(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("needs REDIS_URL")
	}
	ctx := context.Background()
	st := redisstore.New(db.Client, db.Namespace)
	items := []catalog.Item{}
	for _, id := range []string{"a1", "a2", "a3", "b1", "b2"} {
		items = append(items, catalog.Item{ID: id, Title: id, Category: []string{id[:1]}, Available: true})
	}
	if err := st.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	marketer, k1 := auth.NewKey(auth.RoleMarketer, "m", time.Now())
	site, k2 := auth.NewKey(auth.RoleSite, "s", time.Now())
	_ = st.PutKey(ctx, k1)
	_ = st.PutKey(ctx, k2)
	args := []string{"--redis-url", os.Getenv("REDIS_URL"), "--namespace", db.Namespace}
	one, two := startServer(t, args...), startServer(t, args...)

	send(t, "PUT", one.url+"/v1/customers/x/consent", site, `{"preset":"full"}`)
	send(t, "POST", one.url+"/v1/events", site, `[{"customer_id":"x","type":"purchase","item_id":"a1"}]`)
	send(t, "PUT", one.url+"/v1/rulesets/default/draft", marketer, `{"rules":[{"id":"b","when":"item.category == \"b\"","action":{"type":"boost","add":5}}]}`)
	if code, body := send(t, "POST", one.url+"/v1/rulesets/default/publish", marketer, ""); code != 200 {
		t.Fatalf("publish: %d %s", code, body)
	}
	start := time.Now()
	eventually.True(t, "the other replica to serve ruleset version 1", func() bool {
		_, body := send(t, "GET", two.url+"/v1/recommendations?customer_id=x", site, "")
		return strings.Contains(body, `"ruleset_version":1`)
	})
	t.Logf("the other replica served ruleset version 1 after %v", time.Since(start))

	send(t, "PUT", one.url+"/v1/customers/x/consent", site, `{"preset":"none"}`)
	_, body := send(t, "GET", two.url+"/v1/recommendations?customer_id=x", site, "")
	if !strings.Contains(body, `"level":"none"`) {
		t.Errorf("consent withdrawn on one replica not obeyed by the other on the next request: %.300s", body)
	}
}
