package recommend

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// Decisions that are not recommendations (next-best actions) are stored
// as JSON in a record's tagJSON body, and so was every decision before
// the compact record: their personal evidence is kept apart the same way,
// one JSON document per feature set.
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
			r.Text, r.Evidence, r.items = basedOn(set), nil, nil
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

// JSONRecord is the record of decision id of customerID (not a
// recommendation: those are EncodeRecord's) whose JSON body had its
// personal evidence moved to docs by SplitReasons.
func JSONRecord(id, customerID, consentHead string, t time.Time, body []byte, docs map[string][]byte) (DecisionRecord, error) {
	e := &encoder{}
	if err := recordHeader(e, id, t); err != nil {
		return DecisionRecord{}, err
	}
	e.b = section(e.b, tagJSON, body)
	var evidence []byte
	for k, set := range recordSets {
		if doc, ok := docs[string(set)]; ok {
			evidence = section(evidence, tagEvidence+byte(k), doc)
		}
	}
	for set := range docs {
		if _, ok := EvidenceTag(consent.Scope(set)); !ok {
			return DecisionRecord{}, candor.Errorf(candor.EInternal, "feature set %q has no evidence section", set)
		}
	}
	return DecisionRecord{ID: id, CustomerID: customerID, Time: t, Record: e.b, Evidence: evidence, ConsentHead: consentHead}, nil
}

// JoinEvidence puts the documents SplitReasons made back into body (a
// decision's JSON whose reasons were split). A reason whose set has no
// document (withdrawn or erased since) keeps its neutral text, says so in
// its text and gets "evidence_deleted": true.
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
	m[fieldText] = deletedText(set)
	m[fieldDeleted] = true
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
