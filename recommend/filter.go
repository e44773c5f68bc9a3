package recommend

import (
	"strings"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Why a candidate was removed, for the preview trace and a short list's
// explanation.
const (
	DropNotInCatalog    = "not_in_catalog"
	DropUnavailable     = "unavailable"
	DropPurchased       = "already_purchased" // bought or rated
	DropNotInterested   = "not_interested"
	DropHiddenCategory  = "hidden_category"
	DropSensitive       = "sensitive_not_granted"
	DropInContext       = "in_context"
	DropRuleFilteredOut = "rule"
)

// filterer decides what must never be shown to this customer now. It runs
// while candidates are selected, so a list is filled from eligible items
// only.
type filterer struct {
	idx              *popular // catalog entries by model index
	acc              *accumulator
	feedback         features.FeedbackState
	hiddenCats       []int32 // hidden categories' numbers (popular.catID)
	sensitiveAllowed bool
	context          map[string]bool
	replenishable    map[string]bool
}

func newFilterer(m Model, idx *popular, acc *accumulator, st *features.State, fb features.FeedbackState, req *Request, replenishable map[string]bool) *filterer {
	f := &filterer{idx: idx, acc: acc, feedback: fb, replenishable: replenishable}
	if st != nil {
		for _, x := range st.Interactions[consent.Purchases] {
			if j, ok := m.Lookup(x.Item); ok {
				acc.flag(j, flagBought)
			}
		}
		for _, id := range st.Older {
			if j, ok := m.Lookup(id); ok {
				acc.flag(j, flagBought)
			}
		}
		f.sensitiveAllowed = st.Grant().Has(consent.Sensitive)
	}
	for c := range fb.HiddenCategories {
		f.hiddenCats = append(f.hiddenCats, idx.catID(strings.ToLower(c)))
	}
	if req.ItemID != "" || len(req.Cart) > 0 {
		f.context = make(map[string]bool, 1+len(req.Cart))
	}
	if req.ItemID != "" {
		f.context[req.ItemID] = true
		if j, ok := m.Lookup(req.ItemID); ok && idx.sensitive[j] {
			f.sensitiveAllowed = true // the customer is looking at it right now
		}
	}
	for _, c := range req.Cart {
		f.context[c] = true
	}
	return f
}

// drop returns why the model's item j (id) must not be shown, or "".
func (f *filterer) drop(j int32, id string) (string, *catalog.Item) {
	it := f.idx.items[j]
	switch {
	case it == nil:
		return DropNotInCatalog, nil
	case !f.idx.available[j]:
		return DropUnavailable, it
	case f.context[id]:
		return DropInContext, it
	case f.feedback.NotInterested[id]:
		return DropNotInterested, it
	case f.hidden(j):
		return DropHiddenCategory, it
	case f.acc.has(j, flagBought) && (len(f.replenishable) == 0 || !f.replenishable[it.TopCategory()]): // the entry read only when some category is replenishable
		return DropPurchased, it
	case !f.sensitiveAllowed && f.idx.sensitive[j]:
		return DropSensitive, it
	}
	return "", it
}

func (f *filterer) hidden(j int32) bool {
	for _, id := range f.hiddenCats {
		if f.idx.hasCategory(j, id) {
			return true
		}
	}
	return false
}
