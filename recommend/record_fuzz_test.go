package recommend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
)

// FuzzDecodeRecord feeds the record decoder what Redis might hold: any
// bytes. It must never panic; what it refuses it refuses as an internal
// error with a message; what it accepts encodes again to a record that
// decodes to the same answer. Seeds (testdata/fuzz/FuzzDecodeRecord) are
// real records of every kind, truncated and altered ones, and JSON.
func FuzzDecodeRecord(f *testing.F) {
	cat := catalog.NewSnapshot([]catalog.Item{{ID: "i001", Title: "Kettle", Category: []string{"kitchen"}, Available: true}}, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = StripEvidence(b, consent.FeatureSets...)
		_, _ = RecordID(b)
		resp, doc, err := decodeStored(DecisionRecord{ID: "x", CustomerID: "c1", Record: b}, cat)
		if err != nil {
			if candor.ErrorCode(err) != candor.EInternal || candor.ErrorMessage(err) == "" {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if resp == nil {
			if !json.Valid(doc) {
				t.Fatalf("JSON record decoded to %q", doc)
			}
			return
		}
		first, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range resp.Items {
			for _, r := range it.Reasons {
				if r.EvidenceDeleted {
					return // its evidence is gone: encoding it again stores none
				}
			}
		}
		rec, ev, err := EncodeRecord(resp)
		if err != nil {
			t.Fatalf("decoded %s, which does not encode: %v", first, err)
		}
		again, _, err := decodeStored(DecisionRecord{ID: "x", CustomerID: "c1", Record: append(rec, ev...)}, cat)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", first, err)
		}
		if second, _ := json.Marshal(again); !bytes.Equal(first, second) {
			t.Fatalf("decoded\n%s\nre-encoded and decoded\n%s", first, second)
		}
	})
}

// The evidence of a set round-trips whatever the number of distinct IDs,
// so whatever the width of a position (0 to 7 bits here).
func TestHeldEvidenceRoundTrip(t *testing.T) {
	for n := 1; n <= 130; n++ {
		var ids []string
		for i := range n {
			ids = append(ids, string(rune('A'+i%26))+string(rune('a'+i/26)))
		}
		lists := [][]string{ids, ids[n/2:], nil, {ids[n-1]}, slices.Compact([]string{ids[n-1], ids[0]})}
		h := &heldLists{}
		for _, l := range lists {
			if !h.add(l, nil) {
				t.Fatalf("n=%d: %v refused", n, l)
			}
		}
		got, err := decodeHeld(h.encode(), len(lists))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i := range lists {
			if !slices.Equal(got[i], lists[i]) {
				t.Fatalf("n=%d, list %d: got %v, want %v", n, i, got[i], lists[i])
			}
		}
	}
	if (&heldLists{}).add([]string{"a", "b", "a"}, nil) {
		t.Errorf("a reason naming an ID twice was accepted")
	}
}

// A long history's reasons list their lead and then the rest in gathering
// order: the section keeps each rest as a bitmap over the gathering order
// (one bit per distinct ID, not a position per item), and round-trips
// whatever the lists, including rests that agree on no common order.
func TestHeldEvidenceOfLongHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gathered := make([]string, 400) // a history in gathering order, IDs unsorted
	for i := range gathered {
		gathered[i] = fmt.Sprintf("sku-%d", rng.IntN(1_000_000)*1000+i)
	}
	reason := func() []string { // a random lead, then the rest in gathering order
		var l []string
		for _, id := range gathered {
			if rng.IntN(2) == 0 {
				l = append(l, id)
			}
		}
		rng.Shuffle(min(len(l), 10), func(i, j int) { l[i], l[j] = l[j], l[i] })
		return l
	}
	for _, tc := range []struct {
		name  string
		lists [][]string
		most  int // bytes the positions may take past the IDs
	}{
		{"rests in gathering order", [][]string{reason(), reason(), reason(), reason(), gathered[:5]}, 5*(400+10*9)/8 + 400*9/8 + 8},
		{"rests disagreeing", [][]string{{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "x", "y", "z"}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "z", "y", "x"}}, 0},
	} {
		h := &heldLists{}
		for _, l := range tc.lists {
			if !h.add(l, nil) {
				t.Fatalf("%s: refused", tc.name)
			}
		}
		sec := h.encode()
		got, err := decodeHeld(sec, len(tc.lists))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range tc.lists {
			if !slices.Equal(got[i], tc.lists[i]) {
				t.Fatalf("%s, list %d: got %v, want %v", tc.name, i, got[i], tc.lists[i])
			}
		}
		if refs := len(pastIDs(t, sec)); tc.most > 0 && refs > tc.most {
			t.Errorf("%s: %d bytes of positions, want at most %d (rests as bitmaps)", tc.name, refs, tc.most)
		}
	}
}

// Every personal feature set has its evidence section, so a new set
// cannot put personal evidence in a record's body.
func TestEveryFeatureSetHasAnEvidenceSection(t *testing.T) {
	tags := map[byte]bool{}
	for _, set := range consent.FeatureSets {
		tag, ok := EvidenceTag(set)
		if !ok || tags[tag] {
			t.Errorf("%s: tag %#x, ok %v", set, tag, ok)
		}
		tags[tag] = true
	}
	if _, ok := EvidenceTag("context"); ok {
		t.Errorf("context has an evidence section")
	}
}
