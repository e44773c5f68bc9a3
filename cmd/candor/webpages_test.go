package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// TestWebPagesInBrowser drives the pages in headless Chromium against the
// real demo server, as the people who use them would: a shopper in the
// demo shop, on the why page and in the preference centre; a marketer
// building, previewing, publishing and rolling back a rule in the console.
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
	if len(full) < 4 {
		t.Fatalf("want 4 full-consent demo customers with purchase-based suggestions, got %v", full)
	}
	t.Run("PreferenceCentreSourceOff", func(t *testing.T) { testSourceOff(t, newTab(t, browser), r.url, sess.SiteKey, full[0]) })
	t.Run("WhyNotInterested", func(t *testing.T) { testNotInterested(t, newTab(t, browser), r.url, full[1]) })
	t.Run("WhyStopUsing", func(t *testing.T) { testWhyStopUsing(t, newTab(t, browser), r.url, full[3]) })
	t.Run("PrivacyDemoLogin", func(t *testing.T) { testDemoLogin(t, newTab(t, browser), r.url, sess.Customers[1].ID) })
	t.Run("ShopLooksLikeAShop", func(t *testing.T) { testShop(t, newTab(t, browser), r.url, sess, full) })
	t.Run("ConsoleBoostPreviewPublishRollback", func(t *testing.T) { testConsoleBoost(t, newTab(t, browser), r.url, sess, full[2]) })
	t.Run("ConsolePrivacyUtilityChart", func(t *testing.T) { testConsoleChart(t, newTab(t, browser), r.url, sess.MarketerKey) })
	t.Run("ConsoleTrustPanel", func(t *testing.T) { testConsoleTrust(t, newTab(t, browser), r.url, sess.MarketerKey) })
	t.Run("RulesInWordsAndBack", func(t *testing.T) { testRulesInWords(t, newTab(t, browser), r.url, sess.MarketerKey) })
	t.Run("ActionWhyDeclineChannel", func(t *testing.T) { testActionDeclineChannel(t, newTab(t, browser), r.url, sess, "c-00003") })
	t.Run("ActionGPCRemovesSharingOffer", func(t *testing.T) { testActionGPC(t, newTab(t, browser), r.url, sess, "c-00008") })
	t.Run("ConsoleActionsSimulate", func(t *testing.T) { testConsoleActions(t, newTab(t, browser), r.url, sess) })
	t.Run("PinnedItemSaysTheShopPlacedIt", func(t *testing.T) { testPinnedWhy(t, newTab(t, browser), r.url, sess, full[0]) })
}

// testRulesInWords holds the console's rule builder to its contract: what
// it writes as a condition it reads back into the same simple conditions,
// the ruleset API accepts it, and the rule reads as a sentence.
func testRulesInWords(t *testing.T, ctx context.Context, base, key string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console"), chromedp.WaitReady(chromedp.CSS("#key"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ conds, action, when, words string }{
		{`[{"kind":"category","values":["kitchen"]}]`, `{"type":"boost","factor":1.5}`,
			`item.category == "kitchen"`, "Show items in Kitchen higher (×1.5)."},
		{`[{"kind":"category","values":["kitchen","home/lighting"]}]`, `{"type":"bury","factor":0.5}`,
			`(item.category == "kitchen" || (item.category == "home" && "lighting" in item.category_path))`, "Show items in Kitchen or Home › Lighting lower (×0.5)."},
		{`[{"kind":"brand","values":["North & Co"]},{"kind":"price","min":"10","max":"50"}]`, `{"type":"filter"}`,
			`item.brand == "North & Co" && item.price >= 10 && item.price <= 50`, "Hide items of brand North & Co priced 10–50."},
		{`[{"kind":"item","values":["p-00001"]},{"kind":"country","values":["DE","FR"]}]`, `{"type":"pin","slot":2}`,
			`item.id == "p-00001" && customer.location.country in ["DE", "FR"]`, "Put the best-ranked of “p-00001” at position 2 for customers in DE or FR."},
		{`[{"kind":"weekday","values":["saturday","sunday"]},{"kind":"favourite"}]`, `{"type":"limit","max":3}`,
			`context.weekday in ["saturday", "sunday"] && item.category in customer.declared.favourite_categories`, "Show at most 3 items in the customer's favourite categories on Saturday or Sunday."},
		{`[]`, `{"type":"diversity","max":2,"field":"brand"}`, ``, "Show at most 2 items per brand."},
		{`[]`, `{"type":"exclude_purchased","lookback":"30d"}`, ``, "Hide items the customer already bought within 30 days."},
	} {
		js := fmt.Sprintf(`(() => { const conds = %s, when = candorRules.toWhen(conds), back = candorRules.parseWhen(when);
			return [when, JSON.stringify(back) === JSON.stringify(conds) ? 'same' : JSON.stringify(back),
				candorRules.describe({id: 'r', when, action: %s}, {})]; })()`, tc.conds, tc.action)
		got := eval[[]string](t, ctx, js)
		if got[0] != tc.when || got[1] != "same" || got[2] != tc.words {
			t.Errorf("%s: wrote %q, read back %s, says %q; want %q, %q", tc.conds, got[0], got[1], got[2], tc.when, tc.words)
		}
		rule := map[string]any{"id": "r", "action": json.RawMessage(tc.action)}
		if tc.when != "" {
			rule["when"] = tc.when
		}
		body, _ := json.Marshal(map[string]any{"rules": []any{rule}})
		if code := putDraft(t, base, key, "words", string(body)); code != 200 {
			t.Errorf("the API refuses what the builder wrote, %s: %d", body, code)
		}
	}
	if back := eval[bool](t, ctx, `candorRules.parseWhen('item.colour == 1 || item.price > 2') === null`); !back {
		t.Error("an expression the builder cannot show must open the expression editor (parseWhen null)")
	}
}

func putDraft(t *testing.T, base, key, name, body string) int {
	t.Helper()
	req, _ := http.NewRequest("PUT", base+"/v1/rulesets/"+name+"/draft", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode
	}
	req, _ = http.NewRequest("POST", base+"/v1/rulesets/"+name+"/validate", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
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
	if on := eval[bool](t, ctx, `document.getElementById('src-purchases').checked`); !on {
		t.Fatal("purchases switch is off for a full-consent customer")
	}
	// by keyboard: focus the switch and press space
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#src-purchases")), chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Deleted: your purchase history")
	waitText(t, ctx, "#history tr:first-child", "purchase historynot allowedyou, on this page")
	waitText(t, ctx, "#level-note", "You have chosen your own mix below")
	if checked := eval[int](t, ctx, `document.querySelectorAll('input[name=level]:checked').length`); checked != 0 {
		t.Errorf("a preset is still ticked for a mix of the customer's own")
	}
	if how := eval[string](t, ctx, `document.getElementById('history').textContent`); strings.Contains(how, "import") {
		t.Errorf("the history shows a source code: %q", how)
	}
	screenshot(t, ctx, "privacy-375")
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

// internalID matches a catalog or customer ID in text a shopper reads.
var internalID = regexp.MustCompile(`\b[pc]-\d{5}\b`)

// openWhy opens the why page of the first suggestion whose reasons use
// set and checks it reads as a shopper would want.
func openWhy(t *testing.T, ctx context.Context, base, customer, set string) string {
	t.Helper()
	cards := shopCards(t, ctx, base, customer)
	i := slices.IndexFunc(cards, func(c shopCard) bool { return slices.Contains(strings.Fields(c.Sets), set) })
	if i < 0 {
		t.Fatalf("no suggestion for %s uses %s: %+v", customer, set, cards)
	}
	click(t, ctx, fmt.Sprintf(`#recs li.card[data-item=%q] a.why`, cards[i].Item))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#controls button[data-kind="not_interested"]`))); err != nil {
		t.Fatalf("why page: %v", err)
	}
	if u := location(t, ctx); !strings.Contains(u, "/me/why/") || !strings.HasSuffix(u, "/"+cards[i].Item) {
		t.Fatalf("the why link went to %s, want the why page of %s", u, cards[i].Item)
	}
	pageIsAccessible(t, ctx)
	text := eval[string](t, ctx, `document.getElementById('main').innerText`)
	if id := internalID.FindString(text); id != "" {
		t.Errorf("the why page shows the internal ID %s:\n%s", id, text)
	}
	evidence := eval[[]string](t, ctx, `[...document.querySelectorAll('#data-used li strong')].map(s => s.textContent)`)
	if len(slices.Compact(slices.Sorted(slices.Values(evidence)))) != len(evidence) {
		t.Errorf("an evidence item is listed twice: %q", evidence)
	}
	for _, label := range eval[[]string](t, ctx, `[...document.querySelectorAll('#controls button')].map(b => b.textContent)`) {
		if strings.HasPrefix(label, "Hide ") || strings.Contains(label, "_") {
			t.Errorf("control label %q is not in a shopper's words", label)
		}
	}
	return cards[i].Item
}

// testPinnedWhy: an item a marketer pinned first is badged as promoted in
// the shop, and its why page says the shop placed it there.
func testPinnedWhy(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, customer string) {
	const item = "p-00010"
	publishRules(t, base, sess.MarketerKey, `[{"id":"pin-first","action":{"type":"pin","slot":1,"item_id":"`+item+`"}}]`)
	t.Cleanup(func() { publishEmptyRuleset(t, base, sess.MarketerKey) })
	cards := shopCards(t, ctx, base, customer)
	if cards[0].Item != item || !cards[0].Promoted {
		t.Fatalf("first suggestion %+v, want the pinned %s with the Promoted badge", cards[0], item)
	}
	click(t, ctx, fmt.Sprintf(`#recs li.card[data-item=%q] a.why`, item))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#controls button[data-kind="not_interested"]`))); err != nil {
		t.Fatalf("why page: %v", err)
	}
	waitText(t, ctx, "#promoted", "The shop placed this item in this position.")
	if got := eval[string](t, ctx, `document.getElementById('summary').textContent`); got == "" {
		t.Error("the pinned item's why page has no summary")
	}
	pageIsAccessible(t, ctx)
}

// testNotInterested: "not interested" on the why page removes the item
// from the customer's next recommendations.
func testNotInterested(t *testing.T, ctx context.Context, base, customer string) {
	item := openWhy(t, ctx, base, customer, "purchases")
	screenshot(t, ctx, "why-375")
	summary := eval[string](t, ctx, `document.getElementById('summary').textContent + ' | ' + document.getElementById('data-used').textContent`)
	if !strings.Contains(summary, "Because you") {
		t.Errorf("why page gives no personal reason: %q", summary)
	}
	if !strings.Contains(eval[string](t, ctx, `document.getElementById('controls').textContent`), "Show me less from ") {
		t.Errorf("no 'Show me less from' control")
	}
	click(t, ctx, `#controls button[data-kind="not_interested"]`)
	waitText(t, ctx, "#status", "we will not show you")
	waitText(t, ctx, `#controls button[data-kind="not_interested"]`, "✓")
	after := shopCards(t, ctx, base, customer)
	if slices.ContainsFunc(after, func(c shopCard) bool { return c.Item == item }) {
		t.Errorf("%s is still recommended after 'not interested': %+v", item, after)
	}
}

// testWhyStopUsing: a shopper opens "why", switches purchases off there
// and the page confirms it; the shop stops using purchases at once.
func testWhyStopUsing(t *testing.T, ctx context.Context, base, customer string) {
	openWhy(t, ctx, base, customer, "purchases")
	sel := `#controls button[data-kind="stop_using"][data-scope="purchases"]`
	waitText(t, ctx, sel, "Stop using your purchase history")
	click(t, ctx, sel)
	waitText(t, ctx, "#status", "Done: we no longer use your purchase history, and what we stored for it is deleted.")
	waitText(t, ctx, sel, "✓ Stop using your purchase history")
	if on := eval[bool](t, ctx, `document.querySelector('`+sel+`').disabled`); !on {
		t.Error("the control can be pressed again after it took effect")
	}
	if anySet(shopCards(t, ctx, base, customer), "purchases") {
		t.Error("the shop still uses purchases after 'stop using' on the why page")
	}
}

// testShop: the shop looks like a shop (prices, pictures, add to cart
// that sends the event), keeps developer words in the developer view,
// and its level selector agrees with what it says it uses.
func testShop(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, used []string) {
	var free []string // full-consent demo customers no other subtest changes
	for _, c := range sess.Customers {
		if c.Preset == "full" && !slices.Contains(used[:4], c.ID) {
			free = append(free, c.ID)
		}
	}
	if len(free) < 2 {
		t.Fatalf("want 2 more full-consent demo customers, got %v", free)
	}
	customer, other := free[0], free[1]
	cards := shopCards(t, ctx, base, customer)
	for _, c := range cards {
		if !c.Picture || !strings.Contains(c.Price, "€") {
			t.Errorf("card %s has picture %v, price %q", c.Item, c.Picture, c.Price)
		}
	}
	visible := eval[string](t, ctx, `document.getElementById('main').innerText`)
	for _, dev := range []string{"Ruleset version", "uses declared", "personalization.level", "feature set", "decision"} {
		if strings.Contains(visible, dev) {
			t.Errorf("the shopper sees developer text %q", dev)
		}
	}
	screenshot(t, ctx, "shop-375")
	setViewport(t, ctx, 1280)
	screenshot(t, ctx, "shop-1280")
	setViewport(t, ctx, 375)
	click(t, ctx, "#dev summary")
	waitText(t, ctx, "#dev-info", "personalization.level")
	click(t, ctx, "#recs li.card button.add")
	waitText(t, ctx, "#cart", "Cart: 1 item")
	waitText(t, ctx, "#status", "to your cart. Your suggestions below already take it into account.")
	waitText(t, ctx, "#dev-info", "add_to_cart")

	click(t, ctx, "#level-none")
	waitText(t, ctx, "#status", "Saved: we now use nothing about you")
	waitText(t, ctx, "#level-note", "We use nothing about you.")
	for _, s := range eval[[]string](t, ctx, `[...document.querySelectorAll('#recs li.card')].map(c => c.dataset.sets)`) {
		if strings.Trim(strings.ReplaceAll(strings.ReplaceAll(s, "none", ""), "context", ""), " ") != "" {
			t.Errorf("with level none a suggestion still uses %q", s)
		}
	}
	// a view the shop sends is dropped by the consent gate, and the shopper is told
	click(t, ctx, "#recs li.card button.view")
	waitText(t, ctx, "#status", "It is not remembered for your suggestions: you chose not to share your browsing history.")

	// purchases off elsewhere: the selector and the note agree (a mix of one's own)
	put(t, base+"/v1/customers/"+other+"/consent", sess.SiteKey, `{"scopes":{"purchases":"denied"}}`)
	js := fmt.Sprintf(`(() => { const s = document.getElementById('customer'); s.value = %q; s.dispatchEvent(new Event('change')); })()`, other)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Now shopping as "+other)
	waitText(t, ctx, "#level-note", "Your own mix, chosen in your privacy choices: we use your browsing history, the preferences you told us")
	if checked := eval[int](t, ctx, `document.querySelectorAll('input[name=level]:checked').length`); checked != 0 {
		t.Error("the selector ticks a preset while the customer has a mix of their own")
	}
	pageIsAccessible(t, ctx)
}

func put(t *testing.T, url, key, body string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT %s: %v %v", url, resp, err)
	}
	resp.Body.Close()
}

// testConsoleBoost: a marketer builds a boost rule with the form (picking
// the category by search), previews it, publishes it, sees the shop change
// and rolls back; invalid rules are refused inline.
func testConsoleBoost(t *testing.T, ctx context.Context, base string, sess demoSessionInfo, customer string) {
	publishEmptyRuleset(t, base, sess.MarketerKey) // version 1, to roll back to
	before := shopCards(t, ctx, base, customer)
	first := strings.Fields(before[0].Category)[0]
	i := slices.IndexFunc(before[2:], func(c shopCard) bool { return strings.Fields(c.Category)[0] != first })
	if i < 0 {
		t.Fatalf("every suggestion of %s is in %s: %+v", customer, first, before)
	}
	category := strings.Fields(before[2+i].Category)[0]
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+sess.MarketerKey),
		chromedp.WaitVisible(chromedp.CSS("#add-rule")),
		chromedp.Poll[chromedp.Void](`document.getElementById('draft-state').textContent !== ''`))
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	if u := location(t, ctx); strings.Contains(u, "key=") {
		t.Errorf("the marketer key stayed in the address bar: %s", u)
	}
	buildBoost(t, ctx, category)
	rejectInvalid(t, ctx)

	click(t, ctx, "#preview")
	waitText(t, ctx, "#preview-out", "sample customers would see a different top 10 than with live version 1")
	waitText(t, ctx, fmt.Sprintf(`#preview-out .diff-customer[data-customer=%q]`, customer), "Moves up: ")
	if ids := internalID.FindAllString(eval[string](t, ctx, `document.getElementById('preview-out').innerText`), -1); len(slices.DeleteFunc(ids, func(s string) bool { return s[0] == 'c' })) > 0 {
		t.Errorf("the preview names items by ID: %v", ids)
	}
	screenshot(t, ctx, "console-preview-375")
	click(t, ctx, "#publish")
	waitText(t, ctx, "#status", "Published version 2")
	waitText(t, ctx, `#versions .version[data-version="2"]`, "added boost-"+category)
	waitText(t, ctx, `#versions .version.live`, "Version 2")
	consoleModels(t, ctx)
	consoleSimulate(t, ctx)
	pageIsAccessible(t, ctx)
	setViewport(t, ctx, 1280)
	screenshot(t, ctx, "console-1280")
	setViewport(t, ctx, 375)

	if after := shopCards(t, ctx, base, customer); strings.Fields(after[0].Category)[0] != category {
		t.Errorf("after boosting %s the shop's first suggestion is %s (%s)", category, after[0].Item, after[0].Category)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+sess.MarketerKey))
	if err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `button[aria-label="Roll back to version 1"]`)
	waitText(t, ctx, "#status", "version 1 is live again")
	waitText(t, ctx, `#versions .version.live`, "Rolled back to the rules of version 1")
	if after := shopCards(t, ctx, base, customer); after[0].Item != before[0].Item {
		t.Errorf("after rolling back, the first suggestion is %s, want %s again", after[0].Item, before[0].Item)
	}
}

// buildBoost fills the rule form: boost items of category to the top.
func buildBoost(t *testing.T, ctx context.Context, category string) {
	t.Helper()
	click(t, ctx, "#add-rule")
	setSelect := `(id, v) => { const s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event('change', {bubbles: true})); }`
	js := fmt.Sprintf(`(%s)('rule-type', 'boost'); (%s)('boost-factor', '100'); (%s)('cond-add', 'category')`, setSelect, setSelect, setSelect)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
	search := `#conds .cond-row[data-kind="category"] input[type="search"]`
	pick := fmt.Sprintf(`#conds .cond-row[data-kind="category"] .suggestions button[data-value=%q]`, category)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(search), category[:4])); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, pick)
	name := strings.ToUpper(category[:1]) + strings.ReplaceAll(category[1:], "-", " ")
	waitText(t, ctx, "#rule-summary", "This rule: Show items in "+name+" higher (×100).")
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "console-rule-form-375")
	click(t, ctx, "#rule-save")
	waitText(t, ctx, "#status", "Rule boost-"+category+" added to the draft")
	waitText(t, ctx, "#rules", "Show items in "+name+" higher (×100).")
}

// rejectInvalid adds a rule with a mistyped expression through the
// advanced editor, sees the problem inline, and removes the rule.
func rejectInvalid(t *testing.T, ctx context.Context) {
	t.Helper()
	click(t, ctx, "#add-rule")
	js := `(() => { const s = document.getElementById('rule-type'); s.value = 'filter'; s.dispatchEvent(new Event('change', {bubbles: true}));
		document.getElementById('advanced').open = true; document.getElementById('rule-id').value = 'typo';
		document.getElementById('rule-when').value = 'item.colour == 1'; })()`
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#rule-save")
	waitText(t, ctx, "#problems", "Rule typo, when (line 1, column 6)")
	waitText(t, ctx, "#status", "the draft has problems")
	click(t, ctx, "#rule-cancel")
	click(t, ctx, `button[aria-label="Remove rule typo"]`)
	waitText(t, ctx, "#status", "Rule typo removed from the draft.")
	if n := eval[int](t, ctx, `document.querySelectorAll('#problems li').length`); n != 0 {
		t.Errorf("%d problems left after removing the bad rule", n)
	}
}

func publishEmptyRuleset(t *testing.T, base, key string) {
	t.Helper()
	publishRules(t, base, key, `[]`)
}

// publishRules makes rules (a JSON array) the live default ruleset.
func publishRules(t *testing.T, base, key, rules string) {
	t.Helper()
	for _, step := range []struct{ method, path, body string }{{"PUT", "/draft", `{"rules":` + rules + `}`}, {"POST", "/publish", ""}} {
		req, _ := http.NewRequest(step.method, base+"/v1/rulesets/default"+step.path, strings.NewReader(step.body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s: %v %v", step.method, step.path, resp, err)
		}
		resp.Body.Close()
	}
}

// consoleModels: metrics are named for people, and the demo model (trained
// without per-consent-level figures) says so instead of a chart.
func consoleModels(t *testing.T, ctx context.Context) {
	t.Helper()
	waitText(t, ctx, "#models", "nDCG@10 0.")
	waitText(t, ctx, "#models", "ranking quality on held-out data")
	text := eval[string](t, ctx, `document.getElementById('models').innerText`)
	for _, raw := range []string{"map_at_10", "users_evaluated", "ndcg_at_10", "700.000"} {
		if strings.Contains(text, raw) {
			t.Errorf("the models section shows %q:\n%s", raw, text)
		}
	}
	// the live demo model was measured per consent level when it was
	// trained; customers who share nothing have nothing held out, so only
	// the levels with history appear
	waitText(t, ctx, "#chart", "Ranking quality by consent level")
}

// testConsoleChart: the privacy/utility chart is drawn from the live
// model's stored scenario metrics (GET /v1/models answered here with such
// a model), one bar per consent level, the numbers in a table.
func testConsoleChart(t *testing.T, ctx context.Context, base, key string) {
	models := map[string]any{"models": []map[string]any{{
		"version": "ease-test", "kind": "ease", "trained_at": "2026-11-30T10:00:00Z", "users": 700, "items": 2400, "interactions": 13496, "live": true,
		"metrics": map[string]float64{"ndcg_at_10": 0.47, "users_evaluated": 700, "coverage": 0.2,
			"scenario.none.ndcg_at_10": 0.05, "scenario.basic.ndcg_at_10": 0.12, "scenario.full.ndcg_at_10": 0.47, "scenario.partial.ndcg_at_10": 0.31,
			"scenario.full.precision_at_10": 0.2},
	}}}
	body, _ := json.Marshal(models)
	answerJSON(t, ctx, "*/v1/models", body)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+key)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#models", "nDCG@10 0.470 — ranking quality on held-out data (1 is perfect)")
	waitText(t, ctx, "#models", "Customers measured 700")
	waitText(t, ctx, "#privacy-table", "Own mix")
	bars := eval[[]string](t, ctx, `[...document.querySelectorAll('#chart rect')].map(r => r.dataset.scenario)`)
	if !slices.Equal(bars, []string{"none", "basic", "partial", "full"}) {
		t.Errorf("chart bars %v, want none, basic, partial, full", bars)
	}
	waitText(t, ctx, "#privacy-table", "0.310")
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "console-models-375")
}

// answerJSON makes the tab's requests to URLs matching pattern answer 200
// with body (JSON) instead of reaching the server.
func answerJSON(t *testing.T, ctx context.Context, pattern string, body []byte) {
	t.Helper()
	_ = chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			go func() {
				_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}}, Body: body})
			}()
		}
	})
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		t.Fatal(err)
	}
}

// testConsoleTrust: the Trust panel sums GET /v1/trust's hours (answered
// here with two days of totals) into days and draws feedback and
// withdrawals per 1,000 suggestions, with every number in a table and per
// model and ruleset version.
func testConsoleTrust(t *testing.T, ctx context.Context, base, key string) {
	now := time.Now().UTC().Truncate(time.Hour)
	var hours []map[string]any
	for h := 47; h >= 0; h-- {
		counts := map[string]int{}
		switch h {
		case 31: // yesterday, an older snapshot of the customers
			counts = map[string]int{"snapshot:customers_shown": 900, "snapshot:customers:full": 1}
		case 30: // yesterday
			counts = map[string]int{"rec:full": 800, "rec:none": 200, "feedback:not_interested": 4, "rec@ease-1@3": 1000, "feedback:not_interested@ease-1@3": 4,
				"withdrawal:shown": 1, "customers_shown": 7,
				"snapshot:customers_shown": 500, "snapshot:customers:full": 600, "snapshot:customers:partial": 300, "snapshot:customers:none": 100}
		case 0: // today
			counts = map[string]int{"rec:full": 300, "rec:partial": 200, "rec:none": 400, "rec:fallback": 100, "feedback:wrong_reason": 3,
				"withdrawal:shown": 2, "withdrawal:other": 1, "rec@ease-2@4": 1000, "feedback:wrong_reason@ease-2@4": 3}
		}
		hours = append(hours, map[string]any{"start": now.Add(-time.Duration(h) * time.Hour), "counts": counts})
	}
	customers := map[string]any{"levels": map[string]int{"full": 700, "partial": 200, "none": 100}, "shown_personalized": 400}
	body, _ := json.Marshal(map[string]any{"hours": hours, "customers": customers})
	answerJSON(t, ctx, "*/v1/trust*", body)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console#key="+key)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#trust-table", "Trust per day")
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('#trust-table tbody tr')].map(r => [...r.cells].slice(1).map(c => c.textContent).join(' | '))`)
	// suggestions | personalized | customers per level | not interested, wrong reason, hide, remove per 1,000 |
	// withdrawals after personalized per 1,000 customers shown | withdrawals
	want := []string{"1,000 | 80% | 60% · 30% · 10% | 4.0 | 0.0 | 0.0 | 0.0 | 2.0 | 1", "1,000 | 56% | 70% · 20% · 10% | 0.0 | 3.0 | 0.0 | 0.0 | 5.0 | 3"}
	if !slices.Equal(rows, want) {
		t.Errorf("trust days:\n%q\nwant\n%q", rows, want)
	}
	if now := eval[string](t, ctx, `document.getElementById('trust-customers').textContent`); !strings.Contains(now, "1,000 — full 700 (70%), partial 200 (20%), none 100 (10%)") ||
		!strings.Contains(now, "last 7 days: 400 customers") {
		t.Errorf("customers now: %q", now)
	}
	lines := eval[[]string](t, ctx, `[...document.querySelectorAll('#trust-chart polyline')].map(p => p.dataset.series)`)
	if !slices.Equal(lines, []string{"not_interested", "wrong_reason", "withdrawn"}) {
		t.Errorf("trust chart lines %v", lines)
	}
	waitText(t, ctx, "#trust-versions-table", "ease-2")
	text := eval[string](t, ctx, `document.getElementById('trust-versions-table').innerText`)
	if !strings.Contains(text, "ease-1") || !strings.Contains(text, "3.0") {
		t.Errorf("trust per version:\n%s", text)
	}
	pageIsAccessible(t, ctx)
	screenshot(t, ctx, "console-trust-375")
}

// consoleSimulate saves the test action catalog as the draft and simulates
// it on the demo customers the console prefilled.
func consoleSimulate(t *testing.T, ctx context.Context) {
	t.Helper()
	catalog, err := os.ReadFile("../../actions/testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#actions-h ~ details > summary")
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#actions"), string(catalog)), chromedp.Click(chromedp.CSS("#save-actions")))
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#status", "Action catalog draft saved")
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#channel"), "email"), chromedp.Evaluate[chromedp.Void](`document.getElementById('sim-draft').checked = true`))
	if err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#simulate")
	waitText(t, ctx, "#simulation", "Of 12 customers on email with the draft")
	waitText(t, ctx, "#simulation-table", "partner-card")
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
