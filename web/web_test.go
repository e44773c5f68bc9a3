package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestPagesAreSelfContainedAndLabelled checks what can be checked without a
// browser: every page declares its language and viewport, loads only
// embedded assets, has no inline script, and every form control has a
// <label for> naming it. The browser tests check the rest.
func TestPagesAreSelfContainedAndLabelled(t *testing.T) {
	assets := Assets()
	ref := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	control := regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"`)
	for _, name := range Pages {
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page := string(b)
		for _, want := range []string{`<html lang="en">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`, "<title>", "<main"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).MatchString(page) {
			t.Errorf("%s loads something from another origin", name)
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(page) || strings.Contains(page, " onclick=") {
			t.Errorf("%s has inline script (the CSP forbids it)", name)
		}
		for _, m := range ref.FindAllStringSubmatch(page, -1) {
			if _, err := fs.Stat(assets, strings.TrimPrefix(m[1], "/assets/")); err != nil {
				t.Errorf("%s loads %s, which is not embedded", name, m[1])
			}
		}
		for _, m := range control.FindAllStringSubmatch(page, -1) {
			if !strings.Contains(page, `<label for="`+m[1]+`"`) {
				t.Errorf("%s: control #%s has no <label for>", name, m[1])
			}
		}
	}
}

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{"a.html": "text/html; charset=utf-8", "a.js": "text/javascript; charset=utf-8", "a.css": "text/css; charset=utf-8"} {
		if got := ContentType(name); got != want {
			t.Errorf("ContentType(%s) = %q, want %q", name, got, want)
		}
	}
}
