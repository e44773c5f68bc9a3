package main

// Browser tests: headless Chromium, driven by chromedp, against the real
// demo server. The helpers are here; the scenarios in webpages_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserFlags are the only flags Chromium gets: headless in a container.
var browserFlags = []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking"}

// newBrowser starts headless Chromium, or skips (fails under CI) when it is
// not installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not installed (CI is set): %v; .ci/run installs Debian's chromium", err)
		}
		t.Skip("chromium not installed; apt-get install chromium to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)}
	for _, f := range browserFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// newTab opens a phone-sized tab that saves a screenshot if the test fails.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(browser)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(func() { cancel(); cancelTab() })
	t.Cleanup(func() { screenshotOnFailure(t, tab) })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return ctx
}

func screenshotOnFailure(t *testing.T, tab context.Context) {
	if !t.Failed() {
		return
	}
	dir := os.Getenv("TEST_OUTPUT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "candor-browser-tests")
	}
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	name := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_")+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(name, png, 0o644)
	}
	t.Errorf("screenshot of the failed page: %s (err %v)", name, err)
}

// screenshot saves the page as <name>.png in $TEST_OUTPUT_DIR when
// CANDOR_SCREENSHOTS is set (to look at the pages while changing them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("CANDOR_SCREENSHOTS") == "" {
		return
	}
	dir := os.Getenv("TEST_OUTPUT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "candor-browser-tests")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err == nil {
		_ = os.MkdirAll(dir, 0o755)
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// setViewport makes the tab width px wide (375: a phone, 1280: a laptop).
func setViewport(t *testing.T, ctx context.Context, width int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 812)); err != nil {
		t.Fatal(err)
	}
}

// click clicks the first element matching sel once it is visible.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// eval runs js in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

type demoSessionInfo struct {
	SiteKey     string `json:"site_key"`
	MarketerKey string `json:"marketer_key"`
	Customers   []struct {
		ID     string `json:"id"`
		Preset string `json:"preset"`
	} `json:"customers"`
	Token string `json:"token"`
}

func demoSession(t *testing.T, base, customer string) demoSessionInfo {
	t.Helper()
	resp, err := http.Post(base+"/demo/session", "application/json", strings.NewReader(fmt.Sprintf(`{"customer_id":%q}`, customer)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s demoSessionInfo
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo session: %d %v", resp.StatusCode, err)
	}
	return s
}

type recItem struct {
	ItemID   string   `json:"item_id"`
	Category []string `json:"category"`
	Reasons  []struct {
		FeatureSet string `json:"feature_set"`
	} `json:"reasons"`
}

// recsOf asks the API, as the shop does, for a customer's recommendations.
func recsOf(t *testing.T, base, siteKey, customer string) []recItem {
	t.Helper()
	code, body := get(t, base+"/v1/recommendations?n=8&placement=home&customer_id="+customer, siteKey)
	var r struct {
		Items []recItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || code != 200 {
		t.Fatalf("recommendations: %d %.300s", code, body)
	}
	return r.Items
}

// usesPurchases reports whether any item's reasons use purchase history.
func usesPurchases(items []recItem) bool {
	for _, it := range items {
		for _, r := range it.Reasons {
			if r.FeatureSet == "purchases" {
				return true
			}
		}
	}
	return false
}

// shopCards opens the demo shop as a customer and returns the cards of
// both widgets: item, categories and the feature sets of their reasons.
type shopCard struct {
	Item     string `json:"item"`
	Category string `json:"category"`
	Sets     string `json:"sets"`
	Promoted bool   `json:"promoted"`
	Price    string `json:"price"`
	Picture  bool   `json:"picture"` // the picture loaded
}

func shopCards(t *testing.T, ctx context.Context, base, customer string) []shopCard {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/demo?customer="+customer),
		chromedp.WaitVisible(chromedp.CSS("#recs li.card")),
		chromedp.WaitVisible(chromedp.CSS("#similar li.card")))
	if err != nil {
		t.Fatalf("demo shop as %s: %v", customer, err)
	}
	err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('li.card img')].every(i => i.complete)`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("pictures never loaded: %v", err)
	}
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]shopCard](`[...document.querySelectorAll('li.card')].map(c => ({
		item: c.dataset.item, category: c.dataset.category, sets: c.dataset.sets, promoted: !!c.querySelector('.badge'),
		price: c.querySelector('.price')?.textContent || '', picture: (c.querySelector('img')?.naturalWidth || 0) > 0}))`))
	if err != nil {
		t.Fatal(err)
	}
	pageIsAccessible(t, ctx)
	return cards
}

// pageIsAccessible checks what a script can: every form control has a
// label, every button a name, radios sit in a fieldset with a legend, text
// has a contrast of at least 4.5:1, and nothing is wider than the 375 px
// phone.
func pageIsAccessible(t *testing.T, ctx context.Context) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		if (document.documentElement.scrollWidth > window.innerWidth) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + 'px');
		if (!document.querySelector('meta[name=viewport]')) out.push('no viewport meta');
		for (const c of document.querySelectorAll('input, select, textarea')) if (!c.labels || !c.labels.length) out.push('unlabelled ' + c.id);
		for (const b of document.querySelectorAll('button, a')) if (!(b.getAttribute('aria-label') || b.textContent).trim()) out.push('nameless ' + b.outerHTML);
		for (const r of document.querySelectorAll('input[type=radio]')) if (!r.closest('fieldset')?.querySelector('legend')) out.push('radio outside a fieldset with legend: ' + r.id);
		const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
		const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
			.reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
		const bg = (n) => { for (; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
		for (const n of document.querySelectorAll('body *')) {
			if (!n.checkVisibility() || ![...n.childNodes].some((k) => k.nodeType === 3 && k.textContent.trim())) continue;
			const [a, b] = [lum(rgb(getComputedStyle(n).color)), lum(bg(n))];
			const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
			if (ratio < 4.5) out.push('contrast ' + ratio.toFixed(2) + ' on ' + n.tagName + ' ' + n.textContent.trim().slice(0, 30));
		}
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("accessibility on %s: %v", location(t, ctx), problems)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// waitText waits until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q)?.textContent || '').includes(%q)`, sel, want)
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.textContent || ''`, sel)))
		t.Fatalf("%s never said %q; it says %q (%v)", sel, want, got, err)
	}
}
