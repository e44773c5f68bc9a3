package rules

import (
	"math"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Env is what a condition can read, under the names the `expr` tags give:
// item.brand, context.hour, customer.location.country, placement. It is the
// typed environment conditions are compiled against, so an unknown name is
// a compile error with its position.
type Env struct {
	Item      ItemEnv     `expr:"item"`
	Context   ContextEnv  `expr:"context"`
	Customer  CustomerEnv `expr:"customer"`
	Placement string      `expr:"placement"` // the same as context.placement

	ops int // operations of the evaluation running; see program.run
}

// ItemEnv is the candidate item.
type ItemEnv struct {
	ID           string            `expr:"id"`
	Category     string            `expr:"category"`      // the top-level category
	CategoryPath []string          `expr:"category_path"` // from the root, e.g. ["home","kitchen"]
	Brand        string            `expr:"brand"`
	Price        float64           `expr:"price"`
	Available    bool              `expr:"available"`
	Sensitive    bool              `expr:"sensitive"` // flagged or in a sensitive category; filters only
	Attributes   map[string]string `expr:"attributes"`
}

// ContextEnv is the request: where and when, and what is on the page. It
// needs no consent.
type ContextEnv struct {
	Placement string   `expr:"placement"`
	Category  string   `expr:"category"` // the category being browsed
	ItemID    string   `expr:"item_id"`  // the item being viewed
	Cart      []string `expr:"cart"`     // item IDs in the cart
	Hour      int      `expr:"hour"`     // 0-23, of Request.Now in its location
	Weekday   string   `expr:"weekday"`  // "monday" ... "sunday"
}

// CustomerEnv holds the customer facts a rule may read, one field per
// feature set. A rule that reads a set the request's Grant lacks never
// fires, and the set is left zero besides.
type CustomerEnv struct {
	Declared     DeclaredEnv     `expr:"declared"`
	Location     LocationEnv     `expr:"location"`
	Demographics DemographicsEnv `expr:"demographics"`
	Purchases    PurchasesEnv    `expr:"purchases"`
}

// PurchasesEnv is what the purchases feature set says of the customer as a
// whole, for conditions such as a win-back offer's
// `customer.purchases.days_since_last >= 60`.
type PurchasesEnv struct {
	DaysSinceLast int `expr:"days_since_last"` // whole days from the latest purchase held to the request; -1 when none is held (or not granted)
	Count         int `expr:"count"`           // distinct items bought, as held
}

// DeclaredEnv is the declared feature set.
type DeclaredEnv struct {
	FavouriteCategories []string `expr:"favourite_categories"`
	FavouriteBrands     []string `expr:"favourite_brands"`
	Sizes               []string `expr:"sizes"`
	PriceBand           string   `expr:"price_band"` // budget | mid | premium
}

// LocationEnv is the location feature set.
type LocationEnv struct {
	Country string `expr:"country"` // ISO 3166-1 alpha-2
	Region  string `expr:"region"`
}

// DemographicsEnv is the demographics feature set.
type DemographicsEnv struct {
	AgeBand string `expr:"age_band"`
}

// customerSets maps the fields of customer to the feature sets they read.
var customerSets = map[string]consent.Scope{
	"declared":     consent.Declared,
	"location":     consent.Location,
	"demographics": consent.Demographics,
	"purchases":    consent.Purchases,
}

// setItem points e.Item at it; sensitive is the catalog's verdict.
func (e *Env) setItem(it *catalog.Item, sensitive bool) {
	e.Item = ItemEnv{ID: it.ID, Category: it.TopCategory(), CategoryPath: it.Category, Brand: it.Brand,
		Price: it.Price, Available: it.Available, Sensitive: sensitive, Attributes: it.Attributes}
}

// setRequest fills the context and the granted customer facts of req.
func (e *Env) setRequest(req *Request) {
	now := req.Now
	e.Placement = req.Placement
	e.Context = ContextEnv{Placement: req.Placement, Category: req.Category, ItemID: req.ItemID, Cart: req.Cart,
		Hour: now.Hour(), Weekday: weekdays[now.Weekday()]}
	e.Customer = CustomerEnv{}
	g := req.Grant
	if d := req.Declared; d != nil && g.Has(consent.Declared) {
		e.Customer.Declared = DeclaredEnv{FavouriteCategories: d.Categories, FavouriteBrands: d.Brands, Sizes: d.Sizes, PriceBand: d.PriceBand}
	}
	if l := req.Location; l != nil && g.Has(consent.Location) {
		e.Customer.Location = LocationEnv{Country: l.Country, Region: l.Region}
	}
	if d := req.Demographics; d != nil && g.Has(consent.Demographics) {
		e.Customer.Demographics = DemographicsEnv{AgeBand: d.AgeBand}
	}
	e.Customer.Purchases = PurchasesEnv{DaysSinceLast: -1}
	if g.Has(consent.Purchases) {
		e.Customer.Purchases = purchaseFacts(req.Purchases, req.PurchasedOlder, now)
	}
}

// purchaseFacts sums up the purchases held at now: recent ones with their
// times, and older bought items counted without.
func purchaseFacts(recent []features.Interaction, older int, now time.Time) PurchasesEnv {
	p := PurchasesEnv{DaysSinceLast: -1, Count: len(recent) + older}
	var last time.Time
	for _, x := range recent {
		if x.Last.After(last) {
			last = x.Last
		}
	}
	if !last.IsZero() {
		p.DaysSinceLast = max(0, int(now.Sub(last)/(24*time.Hour)))
	}
	return p
}

var weekdays = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Request is what applying a ruleset needs to know about one
// recommendation request. Customer facts are used only for the sets Grant
// grants, whatever else is passed.
type Request struct {
	Placement string
	Now       time.Time // schedules and context.hour/weekday use it, in its location
	Category  string    // context: the category being browsed
	ItemID    string    // context: the item being viewed
	Cart      []string  // context: item IDs in the cart

	Grant        consent.Grant
	Declared     *features.Declared
	Location     *features.Location
	Demographics *features.Demographics
	Purchases    []features.Interaction // for exclude_purchased and customer.purchases; used only with the purchases grant
	// PurchasedOlder is how many bought items the read held beyond
	// Purchases (features.State.Older), for customer.purchases.count.
	PurchasedOlder int

	// Catalog, when set, is the snapshot the candidates' items come from.
	// It decides item.sensitive (the item's flag or a sensitive category;
	// without it only the item's own flag counts) and speeds up
	// exclude_purchased.
	Catalog *catalog.Snapshot
	// Trace asks for Result.Trace: every rule that fired or was skipped.
	Trace bool
	// Budget is the operations the request's conditions may take; 0 means
	// DefaultBudget, a negative value no limit. Past it the remaining
	// evaluations are refused (see Result.OverBudget).
	Budget int
}

// budgetOf is the operations a request with Budget b may spend.
func budgetOf(b int) int {
	switch {
	case b == 0:
		return DefaultBudget
	case b < 0:
		return math.MaxInt
	}
	return b
}

// NewRequest returns a Request for placement at now with the grant and
// the granted facts of st (which may be nil for anonymous visitors).
func NewRequest(placement string, now time.Time, st *features.State) Request {
	r := Request{Placement: placement, Now: now}
	if st == nil {
		return r
	}
	r.Grant = st.Grant()
	r.Declared, r.Location, r.Demographics = st.Declared, st.Location, st.Demographics
	r.Purchases, r.PurchasedOlder = st.Interactions[consent.Purchases], len(st.Older)
	return r
}

// sensitive reports whether it counts as sensitive for req.
func (req *Request) sensitive(it *catalog.Item) bool {
	if req.Catalog != nil {
		return req.Catalog.IsSensitive(it)
	}
	return it.Sensitive
}
