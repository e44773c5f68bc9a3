package recommend

// Tests of the record format's packed forms: numbered IDs, Lehmer-coded
// permutations, packed model versions, and the forms written before them.

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// pastIDs returns what follows the IDs of section sec.
func pastIDs(t *testing.T, sec []byte) []byte {
	t.Helper()
	d := &decoder{b: sec[2:]}
	if sec[1] == heldNumeric {
		d.numbers()
	} else {
		d.strs()
	}
	if d.err != nil {
		t.Fatalf("section %x: IDs unreadable", sec)
	}
	return d.b
}

// Sections written before numbered IDs still read as they were written:
// the first format (IDs sorted, every reason's IDs as positions among them)
// and the second (the rests past a lead as bitmaps or positions).
func TestHeldEvidenceOfEarlierFormats(t *testing.T) {
	want := [][]string{{"m31", "m7", "m1200", "m5", "m44", "m9", "m100", "m101", "m102", "m103", "m104", "m12"}, {"m7", "m31"}, {"m5"}}
	for name, h := range map[string]string{
		"first":  "0c416d313030173117321733173415322730302333312334341335133713390c02017a698b012345a790",
		"second": "00810c416d313030173117321733173415322730302333312334341335133713390c02013d34c580919169e4",
	} {
		sec, _ := hex.DecodeString(h)
		got, err := decodeHeld(sec, 3)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: got %v, %v; want %v", name, got, err, want)
		}
		if name == "first" {
			if _, err := decodeHeld(sec[:len(sec)-1], 3); err == nil {
				t.Error("a cut section of the first format was read")
			}
		}
	}
}

// A section written with the permutation as plain positions (heldFormat,
// before Lehmer codes) still reads as it was written.
func TestHeldEvidenceOfPlainPermutations(t *testing.T) {
	sec, _ := hex.DecodeString("008128216b30133115301531153215331534153515361537153815391332153015311532153315351536153715381539133315301531153215331534153515361537153815391334153013351336133713381339282724231e20804b6126b1af0abc88444353a4616e88ac67c03b3322094e06a4273e33128008418828c3904c00fffffffc10831051872092a003ffffffe10620a30e412517000ffffffc1461c824a2cc34e8000ffffff8008418828c3904c00fffff000310518720928b32000fffffc0")
	var a []string // IDs in an order that is not sorted
	for i := range 40 {
		a = append(a, fmt.Sprintf("k%d", (i*17)%41))
	}
	want := [][]string{a, a[1:], a[2:38], a[5:], a[:30], a[3:35]}
	if bits := pastIDs(t, sec)[len(want)]; bits&0x80 == 0 {
		t.Fatalf("the golden section has no permutation")
	}
	got, err := decodeHeld(sec, len(want))
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
}

// A permutation of n IDs takes Σ refBits(k), k = 1..n, bits as a Lehmer
// code, and reads back; a code past the IDs left is refused.
func TestLehmerCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 300; n += 1 + n/8 {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprint(i)
		}
		order := make([]int32, n)
		for i, p := range rng.Perm(n) {
			order[i] = int32(p)
		}
		rank := make([]int32, n) // the IDs' positions are their own indexes
		for k := range rank {
			rank[k] = int32(k)
		}
		var h heldLists
		bw := bitWriter{}
		h.putLehmer(&bw, order, rank)
		want := 0
		for k := 1; k <= n; k++ {
			want += refBits(k)
		}
		if b := bw.flush(); len(b) != (want+7)/8 {
			t.Errorf("n=%d: %d bytes, want %d", n, len(b), (want+7)/8)
		} else {
			br := bitReader{b: b}
			got := br.lehmer(ids)
			for i, k := range order {
				if got[i] != ids[k] || br.bad {
					t.Fatalf("n=%d: read %v, want the order %v", n, got, order)
				}
			}
		}
	}
	br := bitReader{b: []byte{0x60}} // 3 IDs: code 1 in two bits, 1 of the 2 left in one, the last in none
	if got := br.lehmer([]string{"a", "b", "c"}); br.bad || fmt.Sprint(got) != "[b c a]" {
		t.Errorf("read %v, bad %v", got, br.bad)
	}
	br = bitReader{b: []byte{0xc0}} // 3 IDs: code 3 in two bits: past the IDs
	if br.lehmer([]string{"a", "b", "c"}); !br.bad {
		t.Errorf("a code past the IDs left was read")
	}
}

// IDs of one prefix and a decimal number are written as numbers, in
// ascending order, a byte or two each; any other IDs as strings. Either
// way the evidence reads back as it was.
func TestHeldEvidenceOfNumberedIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	movielens := make([]string, 95) // a MovieLens customer's evidence
	for i, k := range rng.Perm(9742)[:len(movielens)] {
		movielens[i] = fmt.Sprintf("m%d", k+1)
	}
	rng.Shuffle(len(movielens), func(i, j int) { movielens[i], movielens[j] = movielens[j], movielens[i] })
	for _, tc := range []struct {
		name     string
		ids      []string
		numbered bool
	}{
		{"movielens", movielens, true},
		{"numbers", []string{"7982301839491", "10", "0", "999999999999999999"}, true},
		{"zero-padded", []string{"i000042", "i000007", "i100000"}, true},
		{"padded and not", []string{"i042", "i7"}, false},
		{"two prefixes", []string{"a1", "b2"}, false},
		{"no number", []string{"m1", "m"}, false},
		{"19 digits", []string{"1000000000000000000"}, false},
		{"words", []string{"kettle", "toaster"}, false},
	} {
		lists := [][]string{tc.ids, tc.ids[:1], tc.ids[len(tc.ids)/2:]}
		h := &heldLists{}
		for _, l := range lists {
			h.add(l, nil)
		}
		sec := h.encode()
		if got := sec[1] == heldNumeric; got != tc.numbered {
			t.Errorf("%s: written as numbers %v, want %v", tc.name, got, tc.numbered)
		}
		got, err := decodeHeld(sec, len(lists))
		if err != nil || fmt.Sprint(got) != fmt.Sprint(lists) {
			t.Errorf("%s: read %v, %v; want %v", tc.name, got, err, lists)
		}
		if tc.name == "movielens" {
			if n := len(sec) - len(pastIDs(t, sec)); n > 2*len(tc.ids) {
				t.Errorf("%d numbered IDs take %d bytes", len(tc.ids), n)
			}
		}
	}
}

// A numbered section decodes only what the encoder writes: no number past
// its width or 18 digits, none twice.
func TestNumberedIDsRefuseWhatNoEncoderWrites(t *testing.T) {
	numbers := func(prefix byte, width uint64, gaps ...uint64) []byte {
		b := []byte{0x00, heldNumeric, 0x11, prefix} // prefix: a literal of one byte
		b = binary.AppendUvarint(b, width)
		b = binary.AppendUvarint(b, uint64(len(gaps)))
		for _, g := range gaps {
			b = binary.AppendUvarint(b, g)
		}
		b = binary.AppendUvarint(b, uint64(len(gaps))) // one reason naming every ID, in order
		bw := bitWriter{b: b}
		bw.put(0, 1)
		for i := range gaps {
			bw.put(uint64(i), refBits(len(gaps)))
		}
		return bw.flush()
	}
	if got, err := decodeHeld(numbers('i', 2, 7, 91), 1); err != nil || fmt.Sprint(got) != "[[i07 i99]]" {
		t.Fatalf("a valid section read %v, %v", got, err)
	}
	for name, sec := range map[string][]byte{
		"past the width":       numbers('i', 2, 7, 92),
		"past 18 digits":       numbers('i', 0, 1_000_000_000_000_000_000),
		"gap overflowing":      numbers('i', 0, 999_999_999_999_999_990, math.MaxUint64-5),
		"width past 18":        numbers('i', 19, 1),
		"count past the bytes": {0x00, heldNumeric, 0x11, 'i', 0, 9, 1},
	} {
		if got, err := decodeHeld(sec, 1); err == nil {
			t.Errorf("%s: read %v", name, got)
		}
	}
}

// roundTrip encodes r's record and reads it back: its parts and the answer.
func roundTrip(t *testing.T, r *Response) (parsed, *Response) {
	t.Helper()
	rec, ev, err := EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseRecord(append(rec, ev...))
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeCompact(p, r.CustomerID, noCatalog)
	if err != nil {
		t.Fatalf("%s: %v", r.DecisionID, err)
	}
	return p, back
}

// flagsOf returns where a record's body has its flags, and them.
func flagsOf(p parsed) (at int, flags uint64) {
	d := &decoder{b: p.body}
	d.str()
	d.varint()
	d.str()
	at = len(p.body) - len(d.b)
	return at, d.uvarint()
}

// Records are encoded with pooled scratch: a record holds its own
// customer's evidence only, whatever records were encoded before it, and
// no section of a set it did not use.
func TestRecordsEncodedInTurnKeepTheirEvidenceApart(t *testing.T) {
	answer := func(customer string, sets map[string][]string) *Response {
		r := &Response{DecisionID: NewDecisionID(), CustomerID: customer, Time: "2026-12-01T10:00:00Z", ModelVersion: "m1", Placement: "home"}
		for _, set := range []string{"purchases", "browsing"} {
			if ev, ok := sets[set]; ok {
				kind := map[string]string{"purchases": KindBoughtTogether, "browsing": KindViewedRecently}[set]
				r.Items = append(r.Items, Item{ItemID: "x" + set, Reasons: []Reason{{Kind: kind, FeatureSet: set, Evidence: ev, Contribution: 0.5}}})
			}
		}
		return r
	}
	many := make([]string, 300)
	for i := range many {
		many[i] = fmt.Sprintf("i%d", 3*i+1)
	}
	for i, r := range []*Response{
		answer("ann", map[string][]string{"purchases": many, "browsing": many[:40]}),
		answer("bob", map[string][]string{"browsing": {"i2", "i5"}}),
		answer("cy", map[string][]string{"purchases": {"kettle"}}),
		answer("dee", nil),
		answer("ann", map[string][]string{"purchases": many[:12], "browsing": many}),
	} {
		p, back := roundTrip(t, r)
		evidence := func(r *Response) (out [][]string) {
			for _, it := range r.Items {
				out = append(out, it.Reasons[0].Evidence)
			}
			return out
		}
		if got, want := evidence(back), evidence(r); len(p.evidence) != len(r.Items) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("record %d (%s): %d sections, evidence %v; want %v", i, r.CustomerID, len(p.evidence), got, want)
		}
	}
}

// A record as written before packed model versions, numbered item IDs and
// numbered evidence (main at 987b92b) still reads as it was written.
func TestRecordOfTheFormerBody(t *testing.T) {
	b, _ := hex.DecodeString("0118ecf7f72672ed7e905710b420d45763539c15fd8df5c0858d0158d103656173652d3230323631323031543039343632302d30316231613636360650000028000202040002416d32393602183fd43b1d7835999a783f9cb8532c00d9483333353602223fd08841707573683fb999999999999a100b008102316d353013370220110f008103216d31353230302335300312")
	resp, _, err := decodeStored(DecisionRecord{ID: "5710b420d45763539c15fd8df5c0858d", CustomerID: "u7", Record: b}, noCatalog)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			got = append(got, fmt.Sprintf("%s %s/%s %v %v %s", it.ItemID, r.Kind, r.FeatureSet, r.Evidence, r.Contribution, r.RuleID))
		}
	}
	want := []string{
		"m296 rated/purchases [m1 m50 m1200] 0.3161081003112486 ",
		"m296 popular/none [] 0.028046893654584154 ",
		"m356 viewed_recently/browsing [m50 m7] 0.25 ",
		"m356 promoted/rules [] 0.1 push",
	}
	if resp.ModelVersion != "ease-20261201T094620-01b1a666" || resp.RulesetVersion != 3 || resp.Time != "2026-11-30T23:56:32.288034174Z" ||
		resp.Personalization.Level != "full" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read %s %d %s %+v\n%q", resp.ModelVersion, resp.RulesetVersion, resp.Time, resp.Personalization, got)
	}
}

// A body with a flag this version does not know is refused, not misread.
func TestRecordWithAnUnknownFlagIsRefused(t *testing.T) {
	r := &Response{DecisionID: NewDecisionID(), Time: "2026-12-01T10:00:00Z", ModelVersion: "m1", Placement: "home", Items: []Item{{ItemID: "kettle"}}}
	p, _ := roundTrip(t, r)
	at, flags := flagsOf(p)
	if flags != 0 {
		t.Fatalf("flags %#x", flags)
	}
	p.body = slices.Clone(p.body) // the flags are its one byte at at
	p.body[at] = flagItemsNumbered << 1
	if got, err := decodeCompact(p, "", noCatalog); err == nil {
		t.Errorf("read %+v", got)
	}
}

// A model version as the registry makes it is kept packed (10 bytes
// instead of 30) and reads back the same; any other is kept as written.
func TestModelVersionIsPacked(t *testing.T) {
	for v, packed := range map[string]bool{
		"ease-20261201T094620-01b1a666":        true,
		"item-knn-v2-19700101T000000-ffffffff": true,
		"test-1":                               false,
		"ease-20261301T094620-01b1a666":        false, // no 13th month
		"ease-20261201T094620-01B1A666":        false, // the registry writes lower case
		"ease-20261201T094620-01b1a66":         false,
		"-20261201T094620-01b1a666":            false,
		"":                                     false,
	} {
		r := &Response{DecisionID: NewDecisionID(), Time: "2026-12-01T10:00:00Z", ModelVersion: v, Items: []Item{{ItemID: "kettle"}}}
		p, back := roundTrip(t, r)
		if back.ModelVersion != v {
			t.Errorf("%q: read %q", v, back.ModelVersion)
		}
		if got := p.body[0] == 0 && v != ""; got != packed {
			t.Errorf("%q: packed %v, want %v", v, got, packed)
		}
	}
}

// The items' IDs of an answer are written as numbers when they are a
// prefix and a number, which takes fewer bytes, and read back the same;
// other IDs as strings.
func TestItemIDsAreNumbered(t *testing.T) {
	for _, tc := range []struct {
		ids      []string
		numbered bool
	}{
		{[]string{"m296", "m356", "m1", "m193609", "m457"}, true},
		{[]string{"i000296", "i009999", "i000001"}, true},
		{[]string{"7982301839491", "7982301839490"}, true},
		{[]string{"m296", "x356"}, false},
		{[]string{"i0296", "i12"}, false},
		{[]string{"kettle"}, false},
	} {
		r := &Response{DecisionID: NewDecisionID(), Time: "2026-12-01T10:00:00Z", ModelVersion: "m1"}
		for _, id := range tc.ids {
			r.Items = append(r.Items, Item{ItemID: id, Reasons: []Reason{{Kind: KindPopular, FeatureSet: "none", Contribution: 0.25}}})
		}
		p, back := roundTrip(t, r)
		var got []string
		for _, it := range back.Items {
			got = append(got, it.ItemID)
		}
		if !slices.Equal(got, tc.ids) {
			t.Errorf("read %v, want %v", got, tc.ids)
		}
		if _, flags := flagsOf(p); (flags&flagItemsNumbered != 0) != tc.numbered {
			t.Errorf("%v: flags %b, want numbered %v", tc.ids, flags, tc.numbered)
		}
	}
}

// The numbered IDs of a section are ordered by value whether their numbers
// fit the packed sort keys or not (those past 2^44 take the comparison
// sort), as a plain sort orders them.
func TestNumberedIDsSortByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var keys []uint64
	for _, limit := range []uint64{10, 1 << 20, 1 << 44, 1<<63 - 1} {
		for _, n := range []int{0, 1, 2, 7, 300} {
			seen := map[uint64]bool{}
			vals := make([]uint64, 0, n)
			for len(vals) < n {
				if v := rng.Uint64N(limit + uint64(n)); !seen[v] {
					seen[v] = true
					vals = append(vals, v)
				}
			}
			order := make([]int32, n)
			for k := range order {
				order[k] = int32(k)
			}
			sortByValue(order, vals, &keys)
			want := slices.Clone(vals)
			slices.Sort(want)
			for p, k := range order {
				if vals[k] != want[p] {
					t.Fatalf("limit %d, %d IDs: position %d holds %d, want %d", limit, n, p, vals[k], want[p])
				}
			}
		}
	}
}

// BenchmarkSortByValue orders 500 numbered IDs (a long history's section)
// by packed keys and, for comparison, by a comparison function.
func BenchmarkSortByValue(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	vals := make([]uint64, 500)
	for i := range vals {
		vals[i] = uint64(i)*20 + rng.Uint64N(20)
	}
	rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	order := make([]int32, len(vals))
	reset := func() {
		for k := range order {
			order[k] = int32(k)
		}
	}
	b.Run("packed", func(b *testing.B) {
		var keys []uint64
		for b.Loop() {
			reset()
			sortByValue(order, vals, &keys)
		}
	})
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			reset()
			slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(vals[x], vals[y]) })
		}
	})
}
