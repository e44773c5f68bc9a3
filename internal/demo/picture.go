package demo

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/candorhq/candor/catalog"
)

// PicturePath is where the demo server serves the picture of item id; the
// demo catalog's items carry it as their image_url.
func PicturePath(id string) string { return "/demo/images/" + id + ".svg" }

// glyphs are the symbols of the categories' pictures in a 200×200 box,
// drawn in {fg} on {bg}.
var glyphs = map[string]string{
	"pan":        `<circle cx="88" cy="90" r="42" fill="{fg}"/><rect x="126" y="84" width="58" height="12" rx="6" fill="{fg}"/>`,
	"leaf":       `<path d="M100 40C150 60 150 120 100 140C50 120 50 60 100 40Z" fill="{fg}"/><path d="M100 50V132" stroke="{bg}" stroke-width="4"/>`,
	"book":       `<rect x="62" y="44" width="76" height="96" rx="6" fill="{fg}"/><rect x="72" y="44" width="6" height="96" fill="{bg}"/>`,
	"note":       `<circle cx="80" cy="122" r="18" fill="{fg}"/><rect x="92" y="46" width="8" height="78" fill="{fg}"/><path d="M100 46L136 58V72L100 60Z" fill="{fg}"/>`,
	"tent":       `<path d="M100 42L156 138H44Z" fill="{fg}"/><path d="M100 92L116 138H84Z" fill="{bg}"/>`,
	"shirt":      `<path d="M76 46L60 52L40 76L58 88L68 78V140H132V78L142 88L160 76L140 52L124 46Q100 62 76 46Z" fill="{fg}"/>`,
	"bottle":     `<rect x="78" y="66" width="44" height="76" rx="10" fill="{fg}"/><rect x="90" y="42" width="20" height="26" rx="4" fill="{fg}"/>`,
	"star":       `<path d="M100 40L115 78L156 80L124 104L135 142L100 120L65 142L76 104L44 80L85 78Z" fill="{fg}"/>`,
	"screen":     `<rect x="48" y="50" width="104" height="68" rx="6" fill="{fg}"/><rect x="92" y="118" width="16" height="14" fill="{fg}"/><rect x="72" y="132" width="56" height="8" rx="4" fill="{fg}"/>`,
	"house":      `<path d="M100 44L152 90H140V140H60V90H48Z" fill="{fg}"/><rect x="90" y="110" width="20" height="30" fill="{bg}"/>`,
	"paw":        `<ellipse cx="100" cy="114" rx="28" ry="24" fill="{fg}"/><circle cx="66" cy="82" r="11" fill="{fg}"/><circle cx="88" cy="62" r="11" fill="{fg}"/><circle cx="112" cy="62" r="11" fill="{fg}"/><circle cx="134" cy="82" r="11" fill="{fg}"/>`,
	"ball":       `<circle cx="100" cy="92" r="48" fill="{fg}"/><path d="M56 80Q100 106 144 80M100 44Q82 92 100 140" stroke="{bg}" stroke-width="5" fill="none"/>`,
	"pencil":     `<path d="M60 136L66 112L132 46L154 68L88 134Z" fill="{fg}"/><path d="M60 136L66 112L84 130Z" fill="{bg}"/>`,
	"cup":        `<path d="M60 64H132L126 132Q124 140 116 140H76Q68 140 66 132Z" fill="{fg}"/><path d="M132 78Q156 80 152 102Q148 118 128 116" fill="none" stroke="{fg}" stroke-width="8"/>`,
	"glass":      `<path d="M70 44H130Q134 96 100 104Q66 96 70 44Z" fill="{fg}"/><rect x="96" y="102" width="8" height="32" fill="{fg}"/><rect x="76" y="134" width="48" height="8" rx="4" fill="{fg}"/>`,
	"wrench":     `<path d="M62 138L118 82" stroke="{fg}" stroke-width="16" stroke-linecap="round"/><circle cx="128" cy="70" r="24" fill="{fg}"/><circle cx="138" cy="60" r="10" fill="{bg}"/>`,
	"wheel":      `<circle cx="100" cy="92" r="48" fill="{fg}"/><circle cx="100" cy="92" r="30" fill="{bg}"/><circle cx="100" cy="92" r="12" fill="{fg}"/>`,
	"pram":       `<path d="M52 60H148Q148 110 100 112Q52 110 52 60Z" fill="{fg}"/><circle cx="70" cy="130" r="12" fill="{fg}"/><circle cx="130" cy="130" r="12" fill="{fg}"/>`,
	"palette":    `<path d="M100 44C150 44 164 90 146 112C134 126 118 110 108 124C100 138 84 142 70 132C44 114 44 44 100 44Z" fill="{fg}"/><circle cx="80" cy="76" r="8" fill="{bg}"/><circle cx="104" cy="66" r="8" fill="{bg}"/><circle cx="128" cy="80" r="8" fill="{bg}"/>`,
	"suitcase":   `<rect x="50" y="64" width="100" height="74" rx="10" fill="{fg}"/><rect x="82" y="46" width="36" height="22" rx="6" fill="none" stroke="{fg}" stroke-width="8"/>`,
	"controller": `<rect x="44" y="68" width="112" height="54" rx="27" fill="{fg}"/><rect x="62" y="91" width="26" height="8" fill="{bg}"/><rect x="71" y="82" width="8" height="26" fill="{bg}"/><circle cx="126" cy="88" r="6" fill="{bg}"/><circle cx="138" cy="102" r="6" fill="{bg}"/>`,
	"gem":        `<path d="M70 52H130L152 78L100 140L48 78Z" fill="{fg}"/><path d="M48 78H152" stroke="{bg}" stroke-width="4"/>`,
	"cross":      `<path d="M84 44H116V76H148V108H116V140H84V108H52V76H84Z" fill="{fg}"/>`,
	"heart":      `<path d="M100 138C40 100 44 48 76 48C90 48 98 58 100 66C102 58 110 48 124 48C156 48 160 100 100 138Z" fill="{fg}"/>`,
}

// Picture draws item's picture: its category's symbol on its category's
// colour, with the product's name, varied a little per item. It is an SVG
// made here, so the demo needs no image host.
func Picture(it *catalog.Item) []byte {
	ci := slices.IndexFunc(categories, func(c category) bool { return c.name == it.TopCategory() })
	glyph := "star"
	if ci >= 0 {
		glyph = categories[ci].glyph
	}
	h := fnv.New32a()
	h.Write([]byte(it.ID))
	v := int(h.Sum32())
	hue := (max(ci, 0)*360/len(categories) + v%17 - 8 + 360) % 360
	bg, fg := fmt.Sprintf("hsl(%d,60%%,90%%)", hue), fmt.Sprintf("hsl(%d,45%%,30%%)", hue)
	label := productName(it)
	size := 16
	if len(label) > 18 {
		size = 16 * 18 / len(label)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200" role="img"><title>`)
	_ = xml.EscapeText(&b, []byte(it.Title))
	fmt.Fprintf(&b, `</title><rect width="200" height="200" fill="%s"/><g transform="rotate(%d 100 92)">`, bg, v/17%13-6)
	b.WriteString(strings.NewReplacer("{fg}", fg, "{bg}", bg).Replace(glyphs[glyph]))
	fmt.Fprintf(&b, `</g><text x="100" y="180" text-anchor="middle" font-family="system-ui,sans-serif" font-size="%d" fill="%s">`, max(size, 9), fg)
	_ = xml.EscapeText(&b, []byte(label))
	b.WriteString(`</text></svg>`)
	return b.Bytes()
}

// productName is what the item is, without brand and adjective: "Oakridge
// Classic Chef Knife" → "Chef Knife".
func productName(it *catalog.Item) string {
	rest := strings.TrimPrefix(it.Title, it.Brand+" ")
	if rest == it.Title {
		return it.Title
	}
	if _, noun, ok := strings.Cut(rest, " "); ok {
		return noun
	}
	return rest
}
