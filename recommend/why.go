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

// Decision returns a stored decision; the customer is read from the ID.
func (s *Service) Decision(ctx context.Context, id string) (*Response, error) {
	subject, err := DecisionSubject(id)
	if err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, candor.Errorf(candor.EUnavailable, "Decision records are not configured.")
	}
	b, err := s.store.Decision(ctx, subject, id)
	if err != nil {
		return nil, err
	}
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, candor.Wrap("recommend.Decision", err)
	}
	return &r, nil
}

// Why explains one item of a stored decision.
func (s *Service) Why(ctx context.Context, decisionID, itemID string) (*Why, error) {
	d, err := s.Decision(ctx, decisionID)
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

func (s *Service) why(d *Response, it Item) *Why {
	w := &Why{DecisionID: d.DecisionID, ItemID: it.ItemID, Title: it.Title, Score: it.Score, Reasons: it.Reasons, Controls: it.Controls, ShownAt: d.Time}
	if len(it.Reasons) > 0 {
		w.Summary = it.Reasons[0].Text
	}
	cat := s.catalog()
	for _, r := range it.Reasons {
		if r.Kind == KindPromoted {
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
