package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebPagesInBrowser drives the pages in headless Chromium against the
// real demo server: the preference centre, the why page and the console,
// each seen through the demo shop.
func TestWebPagesInBrowser(t *testing.T) {
	browser := newBrowser(t)
	r := startServer(t, "--redis-url", "")
	sess := demoSession(t, r.url, "")
	var full []string // demo customers whose suggestions use their purchases
	for _, c := range sess.Customers {
		if c.Preset == "full" && usesPurchases(recsOf(t, r.url, sess.SiteKey, c.ID)) {
			full = append(full, c.ID)
		}
	}
	if len(full) < 3 {
		t.Fatalf("want 3 full-consent demo customers with purchase-based suggestions, got %v", full)
	}
	t.Run("PreferenceCentreSourceOff", func(t *testing.T) { testSourceOff(t, newTab(t, browser), r.url, sess.SiteKey, full[0]) })
	t.Run("WhyNotInterested", func(t *testing.T) { testNotInterested(t, newTab(t, browser), r.url, full[1]) })
	t.Run("PrivacyDemoLogin", func(t *testing.T) { testDemoLogin(t, newTab(t, browser), r.url, sess.Customers[1].ID) })
	t.Run("ShopConsentLevel", func(t *testing.T) { testShopLevel(t, newTab(t, browser), r.url, sess, full[:3]) })
	t.Run("ConsolePublishRollback", func(t *testing.T) { testConsolePublish(t, newTab(t, browser), r.url, sess, full[2]) })
}

func anySet(cards []shopCard, set string) bool {
	return slices.ContainsFunc(cards, func(c shopCard) bool { return slices.Contains(strings.Fields(c.Sets), set) })
}

// testSourceOff: switching purchases off in the preference centre changes
// the reasons of the very next recommendations.
func testSourceOff(t *testing.T, ctx context.Context, base, siteKey, customer string) {
	if before := shopCards(t, ctx, base, customer); !anySet(before, "purchases") {
		t.Fatalf("the shop shows no purchase-based reason for %s before: %+v", customer, before)
	}
	tok := demoSession(t, base, customer).Token
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/me/privacy#token="+tok),
		chromedp.WaitVisible(chromedp.CSS("#src-purchases")))
	if err != nil {
		t.Fatalf("preference centre: %v", err)
	}
	if u := location(t, ctx); strings.Contains(u, tok) || strings.Contains(u, "token") {
		t.Errorf("the token stayed in the address bar: %s", u)
	}
	pageIsAccessible(t, ctx)
	if on, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('src-purchases').checked`)); !on {
		t.Fatal("purchases switch is off for a full-consent customer")
	}
	// by keyboard: focus the switch and press space
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#src-purchases")), chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Deleted: your purchase history")
	waitText(t, ctx, "#history tr:first-child", "purchase historynot allowedpreference centre")
	after := shopCards(t, ctx, base, customer)
	if anySet(after, "purchases") {
		t.Errorf("after switching purchases off the shop still shows purchase-based reasons: %+v", after)
	}
	if !anySet(after, "browsing") {
		t.Errorf("browsing was left on but no reason uses it: %+v", after)
	}
	exportAndErase(t, ctx, base, siteKey, customer)
}

// exportAndErase downloads the export, then erases the customer through
// the confirmation dialog, and checks that no consent record is left.
func exportAndErase(t *testing.T, ctx context.Context, base, siteKey, customer string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/me/privacy"), chromedp.Click(chromedp.CSS("#export")))
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#data-status", "Your data is downloading as candor-export.json")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#erase")), chromedp.WaitVisible(chromedp.CSS("#erase-confirm"))); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/v1/customers/"+customer+"/consent", siteKey); !strings.Contains(body, `"state":"granted"`) {
		t.Fatalf("opening the dialog must not erase yet: %d %.200s", code, body)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#erase-confirm"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Erased.")
	if code, body := get(t, base+"/v1/customers/"+customer+"/consent", siteKey); code != 200 || strings.Contains(body, `"record":{`) {
		t.Errorf("consent records survive the erasure: %d %.300s", code, body)
	}
}

// testNotInterested: "not interested" on the why page removes the item
// from the customer's next recommendations.
func testNotInterested(t *testing.T, ctx context.Context, base, customer string) {
	before := shopCards(t, ctx, base, customer)
	item := before[0].Item
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#recs li.card a.why")),
		chromedp.WaitVisible(chromedp.CSS(`#controls button[data-kind="not_interested"]`)))
	if err != nil {
		t.Fatalf("why page: %v", err)
	}
	if u := location(t, ctx); !strings.Contains(u, "/me/why/") || !strings.HasSuffix(u, "/"+item) {
		t.Fatalf("the why link went to %s, want the why page of %s", u, item)
	}
	pageIsAccessible(t, ctx)
	summary, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('summary').textContent + ' | ' + document.getElementById('data-used').textContent`))
	if !strings.Contains(summary, "Because you") {
		t.Errorf("why page gives no personal reason: %q", summary)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#controls button[data-kind="not_interested"]`))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "we will not show you")
	after := shopCards(t, ctx, base, customer)
	if slices.ContainsFunc(after, func(c shopCard) bool { return c.Item == item }) {
		t.Errorf("%s is still recommended after 'not interested': %+v", item, after)
	}
}

// testConsolePublish: a filter rule published in the console takes its
// category out of the demo shop at once; invalid drafts are refused inline.
func testConsolePublish(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, customer string) {
	publishEmptyRuleset(t, base, sess.MarketerKey) // version 1, to roll back to
	before := shopCards(t, ctx, base, customer)
	category := strings.Fields(before[0].Category)[0]
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+sess.MarketerKey),
		chromedp.WaitVisible(chromedp.CSS("#draft")),
		chromedp.Poll[chromedp.Void](`document.getElementById('draft').value.includes('rules')`))
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	if u := location(t, ctx); strings.Contains(u, "key=") {
		t.Errorf("the marketer key stayed in the address bar: %s", u)
	}
	pageIsAccessible(t, ctx)
	bad := `{"rules":[{"id":"typo","when":"item.colour == 1","action":{"type":"filter"}}]}`
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#draft"), bad), chromedp.Click(chromedp.CSS("#publish"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#problems", "Rule typo, when (line 1, column 6)")
	waitText(t, ctx, "#status", "Not published")
	when, _ := json.Marshal(fmt.Sprintf("item.category == %q", category))
	rule := fmt.Sprintf(`{"rules":[{"id":"no-%s","when":%s,"action":{"type":"filter"}}]}`, category, when)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#draft"), rule), chromedp.Click(chromedp.CSS("#preview"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#preview-out", "sample customers would see a different top 10 than with live version")
	waitText(t, ctx, "#preview-out", customer)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#publish"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Published version 2")
	waitText(t, ctx, "#audit", "added no-"+category)
	waitText(t, ctx, "#models", "live")
	consoleChart(t, ctx)
	consoleSimulate(t, ctx)
	for _, c := range shopCards(t, ctx, base, customer) {
		if strings.Fields(c.Category)[0] == category {
			t.Errorf("the shop still shows %s (%s) after the filter rule was published", c.Item, c.Category)
		}
	}
	consoleRollback(t, ctx, base, sess.MarketerKey, customer, before[0].Item)
}

func publishEmptyRuleset(t *testing.T, base, key string) {
	t.Helper()
	for _, step := range []struct{ method, path, body string }{{"PUT", "/draft", `{"rules":[]}`}, {"POST", "/publish", ""}} {
		req, _ := http.NewRequest(step.method, base+"/v1/rulesets/default"+step.path, strings.NewReader(step.body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s: %v %v", step.method, step.path, resp, err)
		}
		resp.Body.Close()
	}
}

// consoleRollback rolls back to version 1 in the console and expects the
// shop's first suggestion from before the filter back.
func consoleRollback(t *testing.T, ctx context.Context, base, key, customer, item string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+key),
		chromedp.Click(chromedp.CSS(`button[aria-label="Roll back to version 1"]`)))
	if err != nil {
		t.Fatalf("roll back: %v", err)
	}
	waitText(t, ctx, "#status", "version 1 is live again")
	waitText(t, ctx, "#audit", "rollback default v3 (was v2)")
	if after := shopCards(t, ctx, base, customer); after[0].Item != item {
		t.Errorf("after rolling back, the first suggestion is %s, want %s again", after[0].Item, item)
	}
}

// consoleChart loads `candor eval --json` lines into the console and
// expects one curve per model and the numbers in a table.
func consoleChart(t *testing.T, ctx context.Context) {
	t.Helper()
	var lines []string
	for _, m := range []string{"itemknn", "popularity"} {
		for i, s := range []string{"none", "declared-only", "purchases-only", "full", "mix"} {
			lines = append(lines, fmt.Sprintf(`{"model":%q,"scenario":%q,"k":10,"ndcg_at_k":%.4f}`, m, s, 0.05*float64(i+1)))
		}
	}
	file := filepath.Join(t.TempDir(), "eval.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#eval-file"), []string{file})); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#eval-table", "popularity")
	curves, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#chart polyline')].map(p => p.dataset.model + ' ' + p.getAttribute('points').split(' ').length)`))
	if err != nil || !slices.Equal(curves, []string{"itemknn 4", "popularity 4"}) {
		t.Errorf("privacy/utility chart curves = %v (%v), want 4 consent levels for each of 2 models", curves, err)
	}
	waitText(t, ctx, "#eval-table", "0.2000")
}

// consoleSimulate saves the test action catalog as the draft and simulates
// it on the demo customers the console prefilled.
func consoleSimulate(t *testing.T, ctx context.Context) {
	t.Helper()
	catalog, err := os.ReadFile("../../actions/testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#actions"), string(catalog)), chromedp.Click(chromedp.CSS("#save-actions")))
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Action catalog draft saved")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#simulate"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#simulation", "Of 12 sample customers on email")
	waitText(t, ctx, "#simulation-table", "partner-card")
}

// testShopLevel: the shop's level switch goes through the consent API, and
// the suggestions follow at once; switching customers switches them back.
func testShopLevel(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, used []string) {
	var customer, other string
	for _, c := range sess.Customers {
		if c.Preset == "full" && !slices.Contains(used, c.ID) && customer == "" {
			customer = c.ID
		} else if c.Preset == "full" && !slices.Contains(used, c.ID) {
			other = c.ID
		}
	}
	if !anySet(shopCards(t, ctx, base, customer), "browsing") {
		t.Fatalf("%s's suggestions use no browsing before", customer)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#level-none"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", customer+" now has personalization level “none”")
	waitText(t, ctx, "#used", "Personalization: none")
	sets, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#recs li.card')].map(c => c.dataset.sets)`))
	for _, s := range sets {
		if strings.Trim(strings.ReplaceAll(strings.ReplaceAll(s, "none", ""), "context", ""), " ") != "" {
			t.Errorf("with level none a suggestion still uses %q", s)
		}
	}
	// a view sent by the shop is dropped by the consent gate
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#recs li.card button.view"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "not stored (browsing is denied for "+customer+")")
	js := fmt.Sprintf(`(() => { const s = document.getElementById('customer'); s.value = %q; s.dispatchEvent(new Event('change')); })()`, other)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Now shopping as "+other)
	waitText(t, ctx, "#used", "Personalization: full")
}

// testDemoLogin: without a token the preference centre offers the demo
// login, which signs in as the chosen demo customer.
func testDemoLogin(t *testing.T, ctx context.Context, base, customer string) {
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/me/privacy"), chromedp.WaitVisible(chromedp.CSS("#demo-customer")))
	if err != nil {
		t.Fatalf("no demo login: %v", err)
	}
	pageIsAccessible(t, ctx)
	js := fmt.Sprintf(`document.getElementById('demo-customer').value = %q`, customer)
	err = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js), chromedp.Click(chromedp.CSS(`#demo-login button[type="submit"]`)))
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#who", "Signed in as customer "+customer+".")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#level-none"))); err != nil {
		t.Fatal(err)
	}
}
