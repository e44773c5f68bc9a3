package actions

import (
	"encoding/json"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// Why explains one action of a recorded decision to the customer it was
// shown to ("why am I seeing this offer?"): the action as chosen, with
// its score parts, reasons, contact-policy state and controls exactly as
// the decision answered them.
type Why struct {
	DecisionID     string `json:"decision_id"`
	ShownAt        string `json:"shown_at,omitempty"` // when decided; absent in records made before it was kept
	CatalogVersion int    `json:"catalog_version"`
	Chosen
	UsedSets []string `json:"used_sets"` // the personal feature sets its reasons used
}

// recorded is what Explain reads of a recorded next-best-action answer.
type recorded struct {
	DecisionID     string   `json:"decision_id"`
	Time           string   `json:"time"`
	CatalogVersion int      `json:"catalog_version"`
	Actions        []Chosen `json:"actions"`
}

// Explain returns the explanation of action id in doc, a decision record
// as stored (the JSON of a next-best-action answer, with the evidence the
// customer's consent still allows). It is ENotFound when the action was
// not shown in that decision, or doc is not a next-best-action decision.
func Explain(doc []byte, decisionID, id string) (*Why, error) {
	var r recorded
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, &candor.Error{Code: candor.EInternal, Op: "actions.Explain", Err: err,
			Message: "Decision " + clip(decisionID) + " cannot be read; it cannot be explained."}
	}
	for _, a := range r.Actions {
		if a.ActionID != id {
			continue
		}
		w := &Why{DecisionID: r.DecisionID, ShownAt: r.Time, CatalogVersion: r.CatalogVersion, Chosen: a, UsedSets: []string{}}
		for _, set := range consent.FeatureSets {
			for _, reason := range a.Reasons {
				if reason.FeatureSet == string(set) {
					w.UsedSets = append(w.UsedSets, string(set))
					break
				}
			}
		}
		return w, nil
	}
	return nil, candor.Errorf(candor.ENotFound, "Action %q was not shown in decision %q.", clip(id), clip(decisionID))
}
