package recommend

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/candorhq/candor/catalog"
)

// Shortfall says why a list holds fewer items than were asked for. A list
// is short only when fewer eligible items exist than were asked for.
type Shortfall struct {
	Requested int            `json:"requested"`
	Returned  int            `json:"returned"`
	Excluded  map[string]int `json:"excluded"` // why items could not be shown → how many
	Message   string         `json:"message"`

	catalogSize int // the catalog size Message names, for the decision record
}

// NotInModel counts catalog items the live model does not know yet.
const NotInModel = "not_in_model"

// shortfall counts, over the whole catalog, why items could not be shown.
func shortfall(m Model, cat *catalog.Snapshot, f *filterer, n, got int) *Shortfall {
	sh := &Shortfall{Requested: n, Returned: got, Excluded: map[string]int{}, catalogSize: cat.Len()}
	inModel, eligible := 0, 0
	for j := int32(0); int(j) < m.NumItems(); j++ {
		why, it := f.drop(j, m.ItemID(j))
		if it != nil {
			inModel++
		}
		switch why {
		case "":
			eligible++
		case DropNotInCatalog:
		default:
			sh.Excluded[why]++
		}
	}
	if k := cat.Len() - inModel; k > 0 {
		sh.Excluded[NotInModel] = k
	}
	if k := eligible - got; k > 0 {
		sh.Excluded[DropRuleFilteredOut] = k
	}
	sh.Message = sh.message(cat.Len())
	return sh
}

// message says it in one sentence, largest cause first.
func (sh *Shortfall) message(catalogSize int) string {
	causes := make([]string, 0, len(sh.Excluded))
	for why := range sh.Excluded {
		causes = append(causes, why)
	}
	slices.SortFunc(causes, func(a, b string) int {
		if c := cmp.Compare(sh.Excluded[b], sh.Excluded[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(causes))
	for i, why := range causes {
		parts[i] = fmt.Sprintf("%d %s", sh.Excluded[why], dropWords[why])
	}
	msg := fmt.Sprintf("Only %d of the %d items asked for can be shown: of %d catalog items", sh.Returned, sh.Requested, catalogSize)
	if len(parts) == 0 {
		return msg + ", no more are eligible."
	}
	return msg + ", " + strings.Join(parts, ", ") + "."
}

// dropWords names each cause for people.
var dropWords = map[string]string{
	DropUnavailable:     "are unavailable",
	DropPurchased:       "were already bought or rated",
	DropNotInterested:   "were marked not interesting",
	DropHiddenCategory:  "are in hidden categories",
	DropSensitive:       "are sensitive and not consented to",
	DropInContext:       "are on the page or in the cart",
	DropRuleFilteredOut: "were removed by the shop's rules",
	NotInModel:          "are not in the model yet",
}
