package recommend

import (
	"bytes"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
)

// The dictionary is full: an entry added would take the index of a
// literal written again in every stored record (see literalBase).
func TestDictionaryIsFull(t *testing.T) {
	if len(dictionary) != literalBase {
		t.Fatalf("the dictionary holds %d strings, the format %d: a record's literals written again would read as other strings", len(dictionary), literalBase)
	}
}

// A record written before the model kinds joined the dictionary (its model
// version whole, its literals numbered from 44) reads its strings written
// again as they were written: here a rule ID on the second item.
func TestRecordsOfBeforeTheModelKindsKeepTheirStrings(t *testing.T) {
	const model, rule = "ease-20261130T101010-0a1b2c3d", "summer-boost"
	e := &encoder{base: legacyLiteralBase}
	e.str(model)
	e.varint(3)
	e.str("home")
	e.uvarint(0) // no flags: the version whole, IDs as strings
	e.str("")    // no fallback
	encodePersonalization(e, &Personalization{Level: "none"})
	e.count(2)
	for _, id := range []string{"p1", "p2"} {
		e.str(id)
		e.count(1)
		encodeReason(e, &Reason{Kind: KindPromoted, FeatureSet: "rules", RuleID: rule, Contribution: 0.5})
	}
	if n := bytes.Count(e.b, []byte(rule)); n != 1 {
		t.Fatalf("the rule ID is written %d times; the test needs it written once and then referred to", n)
	}
	h := &encoder{}
	if err := recordHeader(h, "0123456789abcdef0123456789abcdef", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	p, err := parseRecord(section(h.b, tagBody, e.b))
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeCompact(p, "c1", catalog.NewSnapshot(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.ModelVersion != model || r.RulesetVersion != 3 || r.Placement != "home" || len(r.Items) != 2 {
		t.Fatalf("decoded %s %d %s with %d items", r.ModelVersion, r.RulesetVersion, r.Placement, len(r.Items))
	}
	for _, it := range r.Items {
		if len(it.Reasons) != 1 || it.Reasons[0].RuleID != rule {
			t.Errorf("%s: reasons %+v, want one of rule %s", it.ItemID, it.Reasons, rule)
		}
	}
}
