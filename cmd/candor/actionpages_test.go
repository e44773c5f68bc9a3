package main

// Browser scenarios of next-best actions: the demo shop's slots, the why
// page of an action and the console's live catalog and simulation.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// openShopSlots opens the demo shop as customer and waits until every
// next-best-action slot has answered; it returns channel → action ID
// ("" for none).
func openShopSlots(t *testing.T, ctx context.Context, base, customer string) map[string]string {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/demo?customer="+customer),
		chromedp.Poll[chromedp.Void](`['onsite','email','push'].every(c => document.getElementById('slot-' + c).dataset.action !== undefined)`,
			chromedp.WithPollingTimeout(45*time.Second)))
	if err != nil {
		t.Fatalf("demo shop slots as %s: %v", customer, err)
	}
	return eval[map[string]string](t, ctx, `Object.fromEntries(['onsite','email','push'].map(c => [c, document.getElementById('slot-' + c).dataset.action]))`)
}

// apiJSON GETs path with key and decodes the answer into v.
func apiJSON(t *testing.T, base, path, key string, v any) {
	t.Helper()
	code, body := get(t, base+path, key)
	if code != 200 {
		t.Fatalf("GET %s: %d %.300s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatal(err)
	}
}

// testActionDeclineChannel: a shopper sees an email action, opens its why
// (the score parts exactly as the API explains them, the contact-policy
// state), declines email there, and the email action is gone on the next
// load. Taking the onsite offer on the way is a click the console counts.
func testActionDeclineChannel(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, customer string) {
	slots := openShopSlots(t, ctx, base, customer)
	if slots["email"] == "" || slots["onsite"] == "" {
		t.Fatalf("%s sees no email or onsite action: %v", customer, slots)
	}
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "shop-actions-375")
	click(t, ctx, "#slot-onsite button.take")
	waitText(t, ctx, "#status", "The shop counts that you took")

	click(t, ctx, "#slot-email a.why")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#score-parts dd"))); err != nil {
		t.Fatalf("the action's why page: %v", err)
	}
	parts := strings.Split(location(t, ctx), "/") // …/me/why/{decision}/actions/{action}
	decision, action := parts[len(parts)-3], parts[len(parts)-1]
	if action != slots["email"] {
		t.Fatalf("why page of %s, want %s", action, slots["email"])
	}
	var why struct {
		Score      float64 `json:"score"`
		ScoreParts struct {
			Value        float64 `json:"value"`
			ResponseRate float64 `json:"response_rate"`
			Affinity     float64 `json:"affinity"`
			Propensity   float64 `json:"propensity"`
		} `json:"score_parts"`
	}
	apiJSON(t, base, "/v1/decisions/"+decision+"/actions/"+action+"/why?customer_id="+customer, sess.SiteKey, &why)
	shown := eval[[]string](t, ctx, `[...document.querySelectorAll('#score-parts dd')].map(d => d.dataset.value)`)
	want := []float64{why.ScoreParts.Value, why.ScoreParts.ResponseRate, why.ScoreParts.Affinity, why.ScoreParts.Propensity, why.Score}
	if len(shown) != len(want) {
		t.Fatalf("score parts on the page %v, want %v", shown, want)
	}
	for i, s := range shown {
		if got, err := strconv.ParseFloat(s, 64); err != nil || got != want[i] {
			t.Errorf("score part %d on the page is %s, the API says %v", i, s, want[i])
		}
	}
	waitText(t, ctx, "#contacts", "the limit is")
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "why-action-375")

	click(t, ctx, `#controls button[data-kind="unsubscribe"]`)
	waitText(t, ctx, "#status", "Done: the shop will not contact you by email")
	slots = openShopSlots(t, ctx, base, customer)
	if slots["email"] != "" {
		t.Errorf("after declining email the shop still previews %s", slots["email"])
	}
	waitText(t, ctx, "#slot-email", "You have not allowed the shop to email you")
}

// testActionGPC: the partner offer shares data; sending GPC from the
// shop's toggle removes it at once, and the consent records GPC's denial.
func testActionGPC(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, customer string) {
	if slots := openShopSlots(t, ctx, base, customer); slots["email"] != "partner-card" {
		t.Fatalf("%s's email preview is %q, want the partner card", customer, slots["email"])
	}
	click(t, ctx, "#gpc")
	waitText(t, ctx, "#status", "offers that share your data with partners are gone")
	if got := eval[string](t, ctx, `document.getElementById('slot-email').dataset.action`); got == "partner-card" {
		t.Errorf("the partner card is still previewed with GPC on")
	}
	code, body := get(t, base+"/v1/customers/"+customer+"/consent", sess.SiteKey)
	if code != 200 || !strings.Contains(body, `"source":"gpc"`) {
		t.Errorf("consent after the GPC toggle: %d %.400s", code, body)
	}
	if slots := openShopSlots(t, ctx, base, customer); slots["email"] == "partner-card" {
		t.Errorf("the partner card is back on the next load: %v", slots)
	}
	pageIsAccessible(t, ctx)
}

// testConsoleActions: the console shows the live catalog with the
// observed responses the API reports, and simulating it on the demo
// customers shows the counts the simulation API gives.
func testConsoleActions(t *testing.T, ctx context.Context, base string, sess demoSessionInfo) {
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+url.QueryEscape(sess.MarketerKey)),
		chromedp.WaitVisible(chromedp.CSS(`#live-actions tr[data-action="partner-card"]`)))
	if err != nil {
		t.Fatalf("console live catalog: %v", err)
	}
	click(t, ctx, "#reload-live-actions")
	var resp struct {
		Actions map[string]struct {
			Impressions  int64   `json:"impressions"`
			Clicks       int64   `json:"clicks"`
			ResponseRate float64 `json:"response_rate"`
		} `json:"actions"`
	}
	apiJSON(t, base, "/v1/actions/responses", sess.MarketerKey, &resp)
	clicked := ""
	for id, o := range resp.Actions {
		if o.Clicks > 0 {
			clicked = id
		}
	}
	if clicked == "" {
		t.Fatalf("no click arrived from the shop: %+v", resp.Actions)
	}
	o := resp.Actions[clicked]
	row := fmt.Sprintf(`#live-actions tr[data-action=%q]`, clicked)
	waitText(t, ctx, row+" .clicks", strconv.FormatInt(o.Clicks, 10))
	got := eval[[]string](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector(%q); return [r.querySelector('.impressions').textContent, r.querySelector('.rate').dataset.value]; })()`, row))
	if got[0] != strconv.FormatInt(o.Impressions, 10) || got[1] != strconv.FormatFloat(o.ResponseRate, 'g', -1, 64) {
		t.Errorf("console row of %s shows %v, the API %+v", clicked, got, o)
	}

	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#channel"), "onsite"))
	if err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#simulate")
	waitText(t, ctx, "#simulation-summary", "Of 12 customers on onsite with version 1")
	var ids []string
	for _, c := range sess.Customers {
		ids = append(ids, c.ID)
	}
	body, _ := json.Marshal(map[string]any{"customers": ids, "channel": "onsite"})
	code, b := send(t, "POST", base+"/v1/actions/simulate", sess.MarketerKey, string(body))
	var sim struct {
		PerAction map[string]int `json:"per_action"`
		None      int            `json:"none"`
	}
	if err := json.Unmarshal([]byte(b), &sim); err != nil || code != 200 {
		t.Fatalf("simulate: %d %s", code, b)
	}
	shown := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('#simulation-table tbody tr')].map(r => [r.dataset.action, r.querySelector('.gets').textContent]))`)
	for id, n := range sim.PerAction {
		if shown[id] != strconv.Itoa(n) {
			t.Errorf("the console says %s would go to %s customers, the API %d", id, shown[id], n)
		}
	}
	waitText(t, ctx, "#simulation-summary", fmt.Sprintf("%d none", sim.None))
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "console-actions-375")
}
