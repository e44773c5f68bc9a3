package recommend

import (
	"bytes"
	"encoding/json"
	"sync"

	gojson "github.com/goccy/go-json"
)

// Response is what GET /v1/recommendations returns, and what a decision
// record shows again (see EncodeRecord).
type Response struct {
	DecisionID      string          `json:"decision_id"`
	Items           []Item          `json:"items"`
	Personalization Personalization `json:"personalization"`
	ModelVersion    string          `json:"model_version"`
	RulesetVersion  int             `json:"ruleset_version"`
	Fallback        Fallback        `json:"fallback"`
	Warnings        []string        `json:"warnings,omitempty"`
	Short           *Shortfall      `json:"short,omitempty"` // present when fewer items than asked for can be shown
	Placement       string          `json:"placement"`
	CustomerID      string          `json:"customer_id,omitempty"`
	Time            string          `json:"time"`

	encoded     *bytes.Buffer // the JSON of the answer, made once for the client; pooled (Release)
	consentHead string        // the consent log head the answer was read under ("" when none)
}

// JSON returns the response as JSON: the encoding Recommend made for the
// HTTP answer (valid until Release), or a fresh one.
func (r *Response) JSON() ([]byte, error) {
	if r.encoded != nil {
		return r.encoded.Bytes(), nil
	}
	return json.Marshal(r)
}

// Release hands the answer's JSON buffer back for another answer; call it
// once the bytes JSON returned are written. After it JSON encodes afresh.
func (r *Response) Release() {
	if r.encoded != nil {
		answerBufs.Put(r.encoded)
		r.encoded = nil
	}
}

// answerBufs are the buffers answers are encoded into: an answer is tens of
// kilobytes at long histories, made on every request.
var answerBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeAnswer is the JSON of an answer, as encoding/json writes it
// (TestAnswerJSONIsEncodingJSON) at a fraction of its cost, in a pooled
// buffer.
func encodeAnswer(r *Response) (*bytes.Buffer, error) {
	buf := answerBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if err := gojson.NewEncoder(buf).Encode(r); err != nil {
		answerBufs.Put(buf)
		return nil, err
	}
	buf.Truncate(buf.Len() - 1) // the newline Encode ends with; Marshal has none
	return buf, nil
}

// Item is one recommended item. Score is exactly the sum of its reasons'
// contributions, in the order listed.
type Item struct {
	ItemID   string    `json:"item_id"`
	Title    string    `json:"title"`
	Category []string  `json:"category"`
	Score    float64   `json:"score"`
	Reasons  []Reason  `json:"reasons"`
	Controls []Control `json:"controls"`
}

// Reason is one named part of a score.
type Reason struct {
	Kind         string   `json:"kind"`
	Text         string   `json:"text"`
	Evidence     []string `json:"evidence,omitempty"` // item IDs or the stated preference
	FeatureSet   string   `json:"feature_set"`        // the consent scope it used; "context" or "none" when no personal data
	Contribution float64  `json:"contribution"`
	RuleID       string   `json:"rule_id,omitempty"`
	// EvidenceDeleted marks a reason of a stored decision whose feature
	// set was withdrawn or erased since: its text and evidence are gone.
	EvidenceDeleted bool `json:"evidence_deleted,omitempty"`
	// EvidenceRef is set only in a stored JSON record (next-best actions,
	// records from before the compact format): where its text and
	// evidence are kept apart (see SplitReasons). Never in an answer.
	EvidenceRef string `json:"evidence_ref,omitempty"`

	// items are the model numbers of Evidence, one each, when the scorer
	// explained it from model items (nil otherwise): the record finds a
	// reason's evidence among the others' by number (heldLists.add). Code
	// that changes Evidence must drop them.
	items []int32
}

// Control is something the customer can do about a reason, as a ready-to-
// call request with a customer token.
type Control struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body"`
}

// Personalization says how much of the customer's data was used.
type Personalization struct {
	Level    string     `json:"level"` // full | partial | none
	UsedSets []string   `json:"used_sets"`
	Withheld []Withheld `json:"withheld_sets"`
}

// Withheld is a feature set that was not used, and why.
type Withheld struct {
	Set    string `json:"set"`
	Reason string `json:"reason"`
}

// Fallback reports whether the answer is the non-personal fallback.
type Fallback struct {
	Active bool   `json:"active"`
	Reason string `json:"reason,omitempty"` // store_unavailable | timeout | circuit_open | no_model | model_retired
}

// Reason kinds.
const (
	KindBoughtTogether     = "bought_together"
	KindRated              = "rated"
	KindViewedRecently     = "viewed_recently"
	KindSensitiveHistory   = "sensitive_history"
	KindSimilarToCurrent   = "similar_to_current" // the request's item_id
	KindGoesWithCart       = "goes_with_cart"     // the request's cart
	KindDeclaredPreference = "declared_preference"
	KindPopularInCategory  = "popular_in_category"
	KindPopular            = "popular"
	KindPromoted           = "promoted"
	KindDemoted            = "demoted"
	KindPinned             = "pinned" // placed at its position by a pin rule; contributes 0
)
