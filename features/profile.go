package features

import (
	"slices"
	"strings"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// Declared is what a customer states about their taste.
type Declared struct {
	Categories []string `json:"categories,omitempty"` // favourite top-level categories
	Brands     []string `json:"brands,omitempty"`
	Sizes      []string `json:"sizes,omitempty"`
	PriceBand  string   `json:"price_band,omitempty"` // budget | mid | premium
}

// Location is coarse on purpose: country and region, nothing finer.
type Location struct {
	Country string `json:"country"`          // ISO 3166-1 alpha-2, e.g. "DE"
	Region  string `json:"region,omitempty"` // e.g. "Bavaria"
}

// Demographics holds an age band, never a birth date.
type Demographics struct {
	AgeBand string `json:"age_band"`
}

// PriceBands and AgeBands are the accepted values.
var (
	PriceBands = []string{"budget", "mid", "premium"}
	AgeBands   = []string{"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
)

// FineLocationFields are fields a client might send that Candor refuses to
// keep: anything finer than a region.
var FineLocationFields = []string{"street", "address", "postcode", "postal_code", "zip", "city", "lat", "latitude", "lon", "lng", "longitude", "house_number"}

// maxListLen bounds the lists of a declared profile.
const maxListLen = 20

// Validate checks a declared profile.
func (d *Declared) Validate() error {
	for _, l := range []struct {
		name string
		v    []string
	}{{"categories", d.Categories}, {"brands", d.Brands}, {"sizes", d.Sizes}} {
		if len(l.v) > maxListLen {
			return candor.Errorf(candor.EInvalid, "%s may hold at most %d values", l.name, maxListLen)
		}
		for _, s := range l.v {
			if s == "" || len(s) > 64 || strings.ContainsAny(s, ",\n\r\x00") {
				return candor.Errorf(candor.EInvalid, "%s values must be 1-64 characters on one line, without commas", l.name)
			}
		}
	}
	if d.PriceBand != "" && !slices.Contains(PriceBands, d.PriceBand) {
		return candor.Errorf(candor.EInvalid, "price_band %q must be one of %s", d.PriceBand, strings.Join(PriceBands, ", "))
	}
	return nil
}

// Validate checks a location.
func (l *Location) Validate() error {
	if len(l.Country) != 2 || strings.ToUpper(l.Country) != l.Country || !isLetters(l.Country) {
		return candor.Errorf(candor.EInvalid, "country must be an ISO 3166-1 alpha-2 code such as DE, got %q", l.Country)
	}
	if len(l.Region) > 64 || strings.ContainsAny(l.Region, "\n\r\x00") {
		return candor.Errorf(candor.EInvalid, "region must be at most 64 characters on one line")
	}
	return nil
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Validate checks demographics.
func (d *Demographics) Validate() error {
	if !slices.Contains(AgeBands, d.AgeBand) {
		return candor.Errorf(candor.EInvalid, "age_band %q must be one of %s (Candor keeps age bands, never birth dates)", d.AgeBand, strings.Join(AgeBands, ", "))
	}
	return nil
}

// Fields returns the profile as the flat field map stored in Redis.
func (d *Declared) Fields() map[string]string {
	return map[string]string{
		"categories": strings.Join(d.Categories, ","), "brands": strings.Join(d.Brands, ","),
		"sizes": strings.Join(d.Sizes, ","), "price_band": d.PriceBand,
	}
}

// Fields returns the location as stored.
func (l *Location) Fields() map[string]string {
	return map[string]string{"country": l.Country, "region": l.Region}
}

// Fields returns the demographics as stored.
func (d *Demographics) Fields() map[string]string { return map[string]string{"age_band": d.AgeBand} }

// DeclaredFrom reads a stored declared profile back.
func DeclaredFrom(m map[string]string) Declared {
	return Declared{Categories: splitList(m["categories"]), Brands: splitList(m["brands"]),
		Sizes: splitList(m["sizes"]), PriceBand: m["price_band"]}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ProfileSets are the sets written with PUT /v1/customers/{id}/features/{set}.
var ProfileSets = []consent.Scope{consent.Declared, consent.Location, consent.Demographics}
