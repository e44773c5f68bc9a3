package evaluation

import (
	"fmt"
	"slices"
	"testing"

	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
)

func TestRecentKeepsTheMostRecentlyUsed(t *testing.T) {
	r := newRecent[int](2)
	r.put("a", 1)
	r.put("b", 2)
	if _, ok := r.get("a"); !ok { // a is now the most recently used
		t.Fatal("a dropped before the cache was full")
	}
	r.put("c", 3)
	for _, tt := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		if _, ok := r.get(tt.key); ok != tt.want {
			t.Errorf("after put(c): has %s = %v, want %v", tt.key, ok, tt.want)
		}
	}
	if got, want := len(r.m), 2; got != want {
		t.Errorf("%d entries, want %d", got, want)
	}
}

func TestSampleSpreadsCustomersEvenly(t *testing.T) {
	c := &Corpus{}
	for i := range 10 {
		c.States = append(c.States, &features.State{CustomerID: fmt.Sprintf("c%d", i)})
	}
	ids := func(c *Corpus) []string {
		var out []string
		for _, st := range c.States {
			out = append(out, st.CustomerID)
		}
		return out
	}
	if got := c.sample(10); got != c {
		t.Error("sample(10) of 10 customers is a copy, want the corpus itself")
	}
	if got, want := ids(c.sample(4)), []string{"c0", "c2", "c5", "c7"}; !slices.Equal(got, want) {
		t.Errorf("sample(4) = %v, want %v", got, want)
	}
}

// TestLowPassIsValidatedOnlyWithinItsBudget: validation tries the low-pass
// filter on a corpus the size of ml-latest-small's, where it paid, and not
// on one of millions of interactions, where trying it cost minutes and paid
// nothing, however small validation's sample of that corpus is.
func TestLowPassIsValidatedOnlyWithinItsBudget(t *testing.T) {
	i := slices.IndexFunc(RegParams, func(p RegParam) bool { return p.Name == "low-pass" })
	if i < 0 {
		t.Fatal("no low-pass parameter")
	}
	p := RegParams[i]
	for _, tt := range []struct {
		corpus int
		want   bool
	}{{56_735, true}, {LowPassBudget, true}, {LowPassBudget + 1, false}, {10_000_000, false}} {
		tu := &tuner{corpus: tt.corpus}
		if got := tu.tries(p, models.Reg{}); got != tt.want {
			t.Errorf("a corpus of %d interactions (validation's sample empty): tries low-pass %v, want %v", tt.corpus, got, tt.want)
		}
	}
}

// TestNotesSayTheValueInUse: a parameter left at 0 that stands for a
// default is described by the default, as the model uses it.
func TestNotesSayTheValueInUse(t *testing.T) {
	param := func(name string) RegParam {
		for _, p := range RegParams {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no parameter %q", name)
		return RegParam{}
	}
	for _, tc := range []struct {
		name string
		r    models.Reg
		want float64
	}{
		{"low-pass-rank", models.Reg{LowPass: 0.1}, models.DefaultLowPassRank},
		{"low-pass-rank", models.Reg{LowPass: 0.1, LowPassRank: 32}, 32},
		{"sequence-window", models.Reg{Sequence: 1}, models.DefaultSequenceWindow},
		{"sequence-window", models.Reg{Sequence: 1, SequenceWindow: 40}, 40},
		{"dropout", models.Reg{}, 0},
	} {
		if got := param(tc.name).shown(tc.r); got != tc.want {
			t.Errorf("%s of %+v shown as %g, want %g", tc.name, tc.r, got, tc.want)
		}
	}
}
