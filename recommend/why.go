package recommend

import (
	"context"
	"encoding/json"

	"github.com/candorhq/candor"
)

// Why is the explanation of one shown item, for "why am I seeing this?".
type Why struct {
	DecisionID string     `json:"decision_id"`
	ItemID     string     `json:"item_id"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary"` // the main reason in one sentence
	Promoted   bool       `json:"promoted"`
	Score      float64    `json:"score"`
	Reasons    []Reason   `json:"reasons"`
	DataUsed   []DataUsed `json:"data_used"`
	Controls   []Control  `json:"controls"`
	ShownAt    string     `json:"shown_at"`
}

// DataUsed is one source of data behind an item, in words.
type DataUsed struct {
	FeatureSet string    `json:"feature_set"`
	Items      []ItemRef `json:"items,omitempty"`
	Preference string    `json:"preference,omitempty"`
	Text       string    `json:"text"`
}

// ItemRef names an evidence item.
type ItemRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Decision returns decision id of customerID ("" for an anonymous
// visitor's) as it was shown, with the evidence the customer's consent
// still allows and the titles of the live catalog. A decision stored for
// anyone else is not_found: ownership is the stored record's, never read
// from the ID.
func (s *Service) Decision(ctx context.Context, customerID, id string) (*Response, error) {
	resp, doc, err := s.stored(ctx, customerID, id)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		resp = &Response{}
		if err := json.Unmarshal(doc, resp); err != nil {
			return nil, errUnreadable(id, err)
		}
	}
	if resp.CustomerID != customerID || resp.DecisionID != id {
		return nil, errNoDecision(id)
	}
	return resp, nil
}

// DecisionsOf returns every decision held for customerID, oldest first,
// as GET /v1/decisions/{id} shows them (recommendations) or as they were
// answered (next-best actions), for the customer's export. A record that
// cannot be read is left out.
func (s *Service) DecisionsOf(ctx context.Context, customerID string) ([]json.RawMessage, error) {
	out := []json.RawMessage{}
	if s.store == nil {
		return out, nil
	}
	recs, err := s.store.Decisions(ctx, customerID)
	if err != nil {
		return nil, err
	}
	cat := s.catalog()
	for _, rec := range recs {
		rec.CustomerID = customerID
		resp, doc, err := decodeStored(rec, cat)
		if err == nil && resp != nil {
			doc, err = json.Marshal(resp)
		}
		if err == nil {
			out = append(out, doc)
		}
	}
	return out, nil
}

// DecisionDocument returns decision id of customerID as DecisionsOf shows
// it: a recommendation as Decision shows it, any other decision (a
// next-best-action answer) as it was answered, with the evidence the
// customer's consent still allows. A decision stored for anyone else is
// not_found.
func (s *Service) DecisionDocument(ctx context.Context, customerID, id string) (json.RawMessage, error) {
	resp, doc, err := s.stored(ctx, customerID, id)
	if err != nil || resp == nil {
		return doc, err
	}
	return json.Marshal(resp)
}

// stored reads decision id of customerID and decodes it: a recommendation
// as a Response, any other decision as its JSON document (resp nil).
func (s *Service) stored(ctx context.Context, customerID, id string) (*Response, json.RawMessage, error) {
	if err := candor.ValidateID("decision id", id); err != nil {
		return nil, nil, err
	}
	if s.store == nil {
		return nil, nil, candor.Errorf(candor.EUnavailable, "Decision records are not configured.")
	}
	rec, err := s.store.Decision(ctx, customerID, id)
	if err != nil {
		return nil, nil, err
	}
	rec.CustomerID = customerID
	return decodeStored(rec, s.catalog())
}

func errNoDecision(id string) error {
	return candor.Errorf(candor.ENotFound, "No decision %q for this customer (only the newest decisions are kept, for a limited time).", id)
}

// Why explains one item of a stored decision of customerID.
func (s *Service) Why(ctx context.Context, customerID, decisionID, itemID string) (*Why, error) {
	d, err := s.Decision(ctx, customerID, decisionID)
	if err != nil {
		return nil, err
	}
	for _, it := range d.Items {
		if it.ItemID == itemID {
			return s.why(d, it), nil
		}
	}
	return nil, candor.Errorf(candor.ENotFound, "Item %q was not shown in decision %q.", itemID, decisionID)
}

// summary is the text of an item's main reason: its first that is not the
// shop's own (a promotion, a demotion, a pin), else its first.
func summary(rs []Reason) string {
	for _, r := range rs {
		if r.Kind != KindPromoted && r.Kind != KindDemoted && r.Kind != KindPinned {
			return r.Text
		}
	}
	if len(rs) > 0 {
		return rs[0].Text
	}
	return ""
}

func (s *Service) why(d *Response, it Item) *Why {
	w := &Why{DecisionID: d.DecisionID, ItemID: it.ItemID, Title: it.Title, Score: it.Score, Reasons: it.Reasons, Controls: it.Controls, ShownAt: d.Time}
	w.Summary = summary(it.Reasons)
	cat := s.catalog()
	for _, r := range it.Reasons {
		if r.Kind == KindPromoted || r.Kind == KindPinned {
			w.Promoted = true
		}
		du := DataUsed{FeatureSet: r.FeatureSet, Text: r.Text}
		if r.Kind == KindDeclaredPreference || r.Kind == KindPopularInCategory {
			if len(r.Evidence) > 0 {
				du.Preference = r.Evidence[0]
			}
		} else {
			for _, e := range r.Evidence {
				ref := ItemRef{ID: e, Title: e}
				if ci, ok := cat.Get(e); ok {
					ref.Title = ci.Title
				}
				du.Items = append(du.Items, ref)
			}
		}
		w.DataUsed = append(w.DataUsed, du)
	}
	return w
}
