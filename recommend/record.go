package recommend

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// A stored decision keeps its personal evidence apart from its body, one
// document per feature set, so that withdrawing a set (or erasing the
// customer) deletes that set's evidence from every stored decision in the
// same atomic step as the set's data (see redisstore.Store.Append): no
// decision record can repeat data that is gone.
//
// In the body, every reason that used a personal feature set keeps its
// kind, feature set and contribution (so scores still sum exactly) and
// gets a neutral text and an "evidence_ref" ("<set>:<n>"); its own text
// and evidence go to that set's document, at position n. Reading joins
// them back; a reason whose set's document is gone says so instead
// (Reason.EvidenceDeleted).

// heldEvidence is the part of one reason kept apart from the body.
type heldEvidence struct {
	Text     string   `json:"text"`
	Evidence []string `json:"evidence,omitempty"`
}

// Fields of a reason in the stored JSON.
const (
	fieldSet      = "feature_set"
	fieldText     = "text"
	fieldEvidence = "evidence"
	fieldRef      = "evidence_ref"
	fieldDeleted  = "evidence_deleted"
)

// SplitEvidence moves the text and evidence of every reason in body (a
// Response or any other decision as JSON) that used a personal feature
// set into one JSON document per set. It returns the body without them
// and the documents by set; body itself when it holds no personal
// evidence.
func SplitEvidence(body []byte) ([]byte, map[string][]byte, error) {
	if !mayHoldEvidence(body) {
		return body, nil, nil
	}
	v, err := decodeNumbers(body)
	if err != nil {
		return nil, nil, candor.Wrap("recommend.SplitEvidence", err)
	}
	held := map[string][]heldEvidence{}
	walkObjects(v, func(m map[string]any) {
		set, ok := personalReason(m)
		if !ok {
			return
		}
		text, _ := m[fieldText].(string)
		h := heldEvidence{Text: text, Evidence: stringsOf(m[fieldEvidence])}
		m[fieldRef] = set + ":" + strconv.Itoa(len(held[set]))
		m[fieldText] = basedOn(set)
		delete(m, fieldEvidence)
		held[set] = append(held[set], h)
	})
	if len(held) == 0 {
		return body, nil, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, candor.Wrap("recommend.SplitEvidence", err)
	}
	docs := make(map[string][]byte, len(held))
	for set, hs := range held {
		if docs[set], err = json.Marshal(hs); err != nil {
			return nil, nil, candor.Wrap("recommend.SplitEvidence", err)
		}
	}
	return out, docs, nil
}

// JoinEvidence puts the documents SplitEvidence made back into body. A
// reason whose set has no document (withdrawn or erased since) keeps its
// neutral text, says so in its text and gets "evidence_deleted": true.
func JoinEvidence(body []byte, docs map[string][]byte) ([]byte, error) {
	if !bytes.Contains(body, []byte(`"`+fieldRef+`"`)) {
		return body, nil
	}
	v, err := decodeNumbers(body)
	if err != nil {
		return nil, candor.Wrap("recommend.JoinEvidence", err)
	}
	held := map[string][]heldEvidence{}
	for set, doc := range docs {
		var hs []heldEvidence
		if json.Unmarshal(doc, &hs) == nil {
			held[set] = hs
		}
	}
	walkObjects(v, func(m map[string]any) { restore(m, held) })
	return json.Marshal(v)
}

// restore fills one reason from held, or marks its evidence deleted.
func restore(m map[string]any, held map[string][]heldEvidence) {
	ref, ok := m[fieldRef].(string)
	if !ok {
		return
	}
	delete(m, fieldRef)
	set, pos, _ := strings.Cut(ref, ":")
	n, err := strconv.Atoi(pos)
	if hs := held[set]; err == nil && n >= 0 && n < len(hs) {
		m[fieldText] = hs[n].Text
		if len(hs[n].Evidence) > 0 {
			m[fieldEvidence] = hs[n].Evidence
		}
		return
	}
	m[fieldText] = basedOn(set) + ". The details were deleted when that data was withdrawn or erased."
	m[fieldDeleted] = true
}

// mayHoldEvidence is a cheap test that body names a personal feature set.
func mayHoldEvidence(body []byte) bool {
	for _, set := range consent.FeatureSets {
		if bytes.Contains(body, []byte(`"`+fieldSet+`":"`+string(set)+`"`)) {
			return true
		}
	}
	return false
}

// personalReason reports whether m is a reason that used a personal
// feature set, and which.
func personalReason(m map[string]any) (string, bool) {
	set, _ := m[fieldSet].(string)
	if !consent.Scope(set).IsFeatureSet() {
		return "", false
	}
	_, hasText := m[fieldText]
	_, hasEvidence := m[fieldEvidence]
	return set, hasText || hasEvidence
}

// basedOn is the neutral text of a reason whose evidence is kept apart.
func basedOn(set string) string {
	switch consent.Scope(set) {
	case consent.Purchases:
		return "Based on your purchase history"
	case consent.Browsing:
		return "Based on your browsing history"
	case consent.Declared:
		return "Based on the preferences you stated"
	case consent.Sensitive:
		return "Based on sensitive data you allowed us to use"
	}
	return "Based on your " + set + " data"
}

// decodeNumbers decodes JSON keeping numbers as written, so that a body
// re-encoded after a split or join has exactly the scores it had.
func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// walkObjects calls f on every JSON object in v, depth first.
func walkObjects(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			walkObjects(e, f)
		}
	case []any:
		for _, e := range x {
			walkObjects(e, f)
		}
	}
}

func stringsOf(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
