package actions_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
)

// TestExplainShowsTheActionAsDecided: the explanation of a recorded
// action is the chosen action as answered, score parts, contacts and
// controls included; an action not shown, or a recommendation's record,
// is not_found.
func TestExplainShowsTheActionAsDecided(t *testing.T) {
	a := action("a")
	a.When, a.Caps = `customer.location.country == "DE"`, actions.Caps{MaxPer: 2, Period: "7d", CooldownAfterDismiss: "14d"}
	d := engine(t, a).Decide(actions.Request{State: stateWith(full, false), Channel: consent.Email, Now: now})
	if len(d.Actions) != 1 {
		t.Fatalf("decision %+v", d)
	}
	doc, err := json.Marshal(struct {
		DecisionID string `json:"decision_id"`
		Time       string `json:"time"`
		actions.Decision
	}{"d1", "2026-11-25T12:00:00Z", d})
	if err != nil {
		t.Fatal(err)
	}
	w, err := actions.Explain(doc, "d1", "a")
	if err != nil {
		t.Fatal(err)
	}
	var back actions.Chosen
	b, _ := json.Marshal(d.Actions[0])
	_ = json.Unmarshal(b, &back) // the chosen action as the record holds it
	if !reflect.DeepEqual(w.Chosen, back) || w.DecisionID != "d1" || w.ShownAt != "2026-11-25T12:00:00Z" || w.CatalogVersion != 1 {
		t.Errorf("explanation %+v\nwant the chosen action %+v", w, back)
	}
	if !slices.Equal(w.UsedSets, []string{"location"}) {
		t.Errorf("used sets %v, want [location]", w.UsedSets)
	}
	for _, tc := range []struct{ doc, id string }{
		{string(doc), "b"},
		{`{"decision_id":"d1","items":[{"item_id":"a"}]}`, "a"},
	} {
		if _, err := actions.Explain([]byte(tc.doc), "d1", tc.id); candor.ErrorCode(err) != candor.ENotFound {
			t.Errorf("Explain(%s, %s) = %v, want not_found", tc.doc, tc.id, err)
		}
	}
}
