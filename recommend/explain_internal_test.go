package recommend

import (
	"strconv"
	"strings"
	"testing"

	"github.com/candorhq/candor/catalog"
)

// Each kind of reason reads as its sentence, its first evidence item by
// title (by ID once the catalog has lost it), and the texts of one
// response stay as written while later ones fill and outgrow its arena.
func TestReasonTextsStayAsWritten(t *testing.T) {
	cat := catalog.NewSnapshot([]catalog.Item{{ID: "k", Title: "Kettle"}}, nil)
	x := &explainer{cat: cat, items: 1}
	for _, tc := range []struct {
		kind     string
		evidence []string
		want     string
	}{
		{KindBoughtTogether, []string{"k", "x", "y"}, "Because you bought Kettle and 2 more"},
		{KindRated, []string{"k"}, "Because you rated Kettle"},
		{KindViewedRecently, []string{"gone", "k"}, "Because you viewed gone and 1 more"},
		{KindSensitiveHistory, []string{"k", "x"}, "Because you viewed Kettle and 1 more (sensitive data you allowed us to use)"},
		{KindSimilarToCurrent, []string{"k"}, "Goes with Kettle, which you are looking at"},
		{KindGoesWithCart, []string{"k"}, "Goes with Kettle, which is in your cart"},
		{KindGoesWithCart, []string{"k", "x"}, "Goes with Kettle and 1 more, which are in your cart"},
		{KindPinned, nil, "Placed in this position by the shop"},
		{KindDeclaredPreference, []string{"tea"}, "You told us you like tea"},
		{KindPopularInCategory, []string{"kitchen"}, "Popular in kitchen with other shoppers"},
		{KindPromoted, nil, "Promoted by the shop"},
		{KindDemoted, nil, "Shown lower by the shop"},
		{KindPopular, nil, "Popular with other shoppers"},
	} {
		if got := x.sentence(tc.kind, tc.evidence); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.kind, got, tc.want)
		}
	}
	var texts, want []string
	for i := range 300 {
		id := strings.Repeat(strconv.Itoa(i%10), i%250) // some longer than the arena's headroom
		texts = append(texts, x.sentence(KindViewedRecently, []string{id, "k"}))
		want = append(want, "Because you viewed "+id+" and 1 more")
	}
	for i := range texts {
		if texts[i] != want[i] {
			t.Fatalf("text %d became %q, want %q", i, texts[i], want[i])
		}
	}
}
