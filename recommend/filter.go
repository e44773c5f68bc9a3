package recommend

import (
	"strings"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Why a candidate was removed, for the preview trace.
const (
	DropNotInCatalog    = "not_in_catalog"
	DropUnavailable     = "unavailable"
	DropPurchased       = "already_purchased"
	DropNotInterested   = "not_interested"
	DropHiddenCategory  = "hidden_category"
	DropSensitive       = "sensitive_not_granted"
	DropInContext       = "in_context"
	DropDiversity       = "diversity"
	DropRuleFilteredOut = "rule"
)

// filterer decides what must never be shown to this customer now.
type filterer struct {
	cat              *catalog.Snapshot
	byIndex          *popular // catalog entries by model index
	purchased        map[string]bool
	feedback         features.FeedbackState
	sensitiveAllowed bool
	context          map[string]bool
	replenishable    map[string]bool
}

func newFilterer(cat *catalog.Snapshot, idx *popular, st *features.State, fb features.FeedbackState, req *Request, replenishable map[string]bool) *filterer {
	f := &filterer{cat: cat, byIndex: idx, feedback: fb, purchased: map[string]bool{}, context: map[string]bool{}, replenishable: replenishable}
	if st != nil {
		for _, x := range st.Interactions[consent.Purchases] {
			f.purchased[x.Item] = true
		}
		f.sensitiveAllowed = st.Grant().Has(consent.Sensitive)
	}
	if req.ItemID != "" {
		f.context[req.ItemID] = true
		if it, ok := cat.Get(req.ItemID); ok && cat.IsSensitive(it) {
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
	it := f.byIndex.items[j]
	switch {
	case it == nil:
		return DropNotInCatalog, nil
	case !it.Available:
		return DropUnavailable, it
	case f.context[id]:
		return DropInContext, it
	case f.feedback.NotInterested[id]:
		return DropNotInterested, it
	case f.hidden(it):
		return DropHiddenCategory, it
	case f.purchased[id] && !f.replenishable[it.TopCategory()]:
		return DropPurchased, it
	case !f.sensitiveAllowed && f.byIndex.sensitive[j]:
		return DropSensitive, it
	}
	return "", it
}

func (f *filterer) hidden(it *catalog.Item) bool {
	if len(f.feedback.HiddenCategories) == 0 {
		return false
	}
	for _, c := range it.Category {
		if f.feedback.HiddenCategories[strings.ToLower(c)] || f.feedback.HiddenCategories[c] {
			return true
		}
	}
	return false
}
