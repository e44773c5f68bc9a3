// Package web holds Candor's browser pages: the preference centre, the
// "why am I seeing this" page, the demo shop and the marketer console. They
// are static HTML, CSS and JavaScript embedded in the binary; they hold no
// data and get everything through the authenticated JSON API with fetch, so
// the data has exactly the API's auth. httpapi serves them.
package web

import (
	"embed"
	"io/fs"
	"mime"
	"path"
)

//go:embed static
var files embed.FS

// Page file names inside Assets.
const (
	PrivacyPage = "privacy.html" // /me/privacy
	WhyPage     = "why.html"     // /me/why/{decision}/{item}
	DemoPage    = "demo.html"    // /demo, demo mode only
	DemoScript  = "demo.js"      // the demo page's script, also demo mode only
	ConsolePage = "console.html" // /console
)

// Pages lists every page file.
var Pages = []string{PrivacyPage, WhyPage, DemoPage, ConsolePage}

// Assets returns the embedded files: the pages and the CSS and JavaScript
// they load from /assets/.
func Assets() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// ContentType is the media type of an asset, from its extension.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
