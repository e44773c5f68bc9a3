package recommend

import (
	"bytes"
	"encoding/json"
	"slices"
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
// gets a neutral text and an EvidenceRef ("<set>:<n>"); its own text and
// evidence go to that set's document, at position n. Reading joins
// them back; a reason whose set's document is gone says so instead
// (Reason.EvidenceDeleted).

// heldEvidence is the part of one reason kept apart from the body.
type heldEvidence struct {
	Text     string   `json:"text"`
	Evidence []string `json:"evidence,omitempty"`
}

// Fields of a reason in the stored JSON.
const (
	fieldText     = "text"
	fieldEvidence = "evidence"
	fieldRef      = "evidence_ref"
	fieldDeleted  = "evidence_deleted"
)

// SplitReasons moves the text and evidence of every reason in lists that
// used a personal feature set into one JSON document per set, and leaves
// in its place a neutral text and its EvidenceRef. It changes lists: pass
// copies of what is still to be shown. It returns nil when no reason used
// a personal set.
func SplitReasons(lists [][]Reason) (map[string][]byte, error) {
	var held map[string][]heldEvidence
	for _, rs := range lists {
		for j := range rs {
			r := &rs[j]
			if !consent.Scope(r.FeatureSet).IsFeatureSet() {
				continue
			}
			if held == nil {
				held = map[string][]heldEvidence{}
			}
			set := r.FeatureSet
			r.EvidenceRef = set + ":" + strconv.Itoa(len(held[set]))
			held[set] = append(held[set], heldEvidence{Text: r.Text, Evidence: r.Evidence})
			r.Text, r.Evidence = basedOn(set), nil
		}
	}
	if held == nil {
		return nil, nil
	}
	docs := make(map[string][]byte, len(held))
	for set, hs := range held {
		b, err := json.Marshal(hs)
		if err != nil {
			return nil, candor.Wrap("recommend.SplitReasons", err)
		}
		docs[set] = b
	}
	return docs, nil
}

// recordBody returns the JSON of r as it is stored, and its personal
// evidence by set: the answer's own bytes when no reason used a personal
// set, else a copy with the evidence split off.
func (r *Response) recordBody() ([]byte, map[string][]byte, error) {
	if !r.personal() {
		b, err := r.JSON()
		return b, nil, err
	}
	cp := *r
	cp.encoded = nil
	cp.Items = slices.Clone(r.Items)
	lists := make([][]Reason, len(cp.Items))
	for i := range cp.Items {
		cp.Items[i].Reasons = slices.Clone(cp.Items[i].Reasons)
		lists[i] = cp.Items[i].Reasons
	}
	docs, err := SplitReasons(lists)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(&cp)
	return b, docs, err
}

// personal reports whether some reason of r used a personal feature set.
func (r *Response) personal() bool {
	for i := range r.Items {
		for _, rs := range r.Items[i].Reasons {
			if consent.Scope(rs.FeatureSet).IsFeatureSet() {
				return true
			}
		}
	}
	return false
}

// JoinEvidence puts the documents SplitReasons made back into body (a
// stored Response, or any other decision whose reasons were split). A
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
