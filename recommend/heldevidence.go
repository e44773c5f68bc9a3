package recommend

import (
	"math/bits"
	"slices"

	"github.com/candorhq/candor/consent"
)

// The personal evidence of a compact record: one section per feature set
// (see record.go), which a withdrawal of the set deletes from every stored
// record; a reason whose set's section is gone says so.
//
// A section names each distinct ID once and then, per reason, which of them
// it names, in its order:
//
//	section = 0x00 heldStrings ids:strs count* bits
//	ids     = the distinct IDs, sorted (neighbours share their prefixes);
//	          or, after 0x00 heldNumeric, as numbers (numericids.go)
//	count   = how many IDs a reason names, one per reason in record order
//	bits    = one bit: 1 when a permutation of ids follows, as its Lehmer
//	          code (lehmer.go; as len(ids) positions in ids of w bits each,
//	          w = refBits(len(ids)), in sections marked heldFormat), which
//	          is then the order positions below refer to; then per reason
//	          its first min(count, leadRefs) IDs as positions, w bits each;
//	          when it names more, one bit, then the rest: 1 as a bitmap over
//	          the order (one bit per ID; the rest in that order), 0 as
//	          positions like the first. Most significant bit first,
//	          zero-padded to a byte.
//
// A reason lists its leadEvidence largest contributions and then the rest
// in gathering order (explain.go); the rests of one set's reasons all follow
// the set's gathering order, which a topological order of them recovers.
// With that order, a reason naming hundreds of a long history's items costs
// a bit per distinct ID of the section instead of w bits per item. The
// encoder writes the section with and without the permutation and keeps the
// shorter.
//
// Sections written before this format (no marker: ids:strs count* then
// every reason's IDs as positions among ids sorted) are still read.
const (
	heldFormat  = 0x81 // after a 0x00, which no section of the first format has before a byte ≥ 0x80; read only
	heldStrings = 0x83 // as heldFormat, with the permutation as its Lehmer code (lehmer.go)
	leadRefs    = 10   // part of the format, not tied to leadEvidence
)

// heldLists is the evidence of one feature set's reasons in a record.
type heldLists struct {
	used   bool             // a reason of the set was added
	ids    []string         // the distinct IDs, as first named
	node   map[string]int32 // ID → its index in ids, once named (a reason without model numbers came)
	named  bool             // node holds every ID of ids
	byItem []int32          // model number → index in ids + 1 (0: not named), while not named
	items  []int32          // the model numbers byItem holds
	last   []int32          // per ID, the last list naming it (1-based)
	refs   []int32          // every list's IDs as indexes into ids, concatenated
	counts []int
	// scratch of encode, kept for the next record (see heldPool)
	sorted, topo, rank, pos, indeg, first, next, to []int32
	vals, keys                                      []uint64
	tree                                            fenwick
	// the section as encode writes it, with the lists in sorted order
	// (plain) and in gathering order (permuted); encode returns one of them
	plain, permuted []byte
}

// reset empties h for another record, keeping its memory.
func (h *heldLists) reset() {
	if !h.used {
		return
	}
	h.used = false
	clear(h.ids) // no IDs of another customer kept reachable
	h.ids, h.last, h.refs, h.counts = h.ids[:0], h.last[:0], h.refs[:0], h.counts[:0]
	if h.named {
		clear(h.node)
		h.named = false
	}
	for _, j := range h.items {
		h.byItem[j] = 0
	}
	h.items = h.items[:0]
	clear(h.plain[:cap(h.plain)]) // nor their bytes
	clear(h.permuted[:cap(h.permuted)])
	h.plain, h.permuted = h.plain[:0], h.permuted[:0]
}

// add adds one reason's evidence, whose model numbers are items (nil when
// unknown); false when it names an ID twice. An ID is found among those
// named before by its model number (an index) while every reason has
// them, by a map of the IDs from the first that has not: a long history's
// record names a few thousand IDs, and hashing each costs more than the
// rest of the record.
func (h *heldLists) add(evidence []string, items []int32) bool {
	h.used = true
	n, start := int32(len(h.counts)+1), len(h.refs)
	ok, numbered := false, !h.named && len(items) == len(evidence) && h.numbered(items)
	if numbered {
		ok, numbered = h.addNumbered(evidence, items, n, start)
	}
	if !numbered {
		ok = h.addNamed(evidence, n, start)
	}
	if ok {
		h.counts = append(h.counts, len(evidence))
	}
	return ok
}

// addNamed adds list n's IDs (its refs from start) found by the map.
func (h *heldLists) addNamed(evidence []string, n int32, start int) bool {
	h.name()
	for _, id := range evidence {
		k, ok := h.node[id]
		if !ok {
			k = h.newID(id)
			h.node[id] = k
		}
		if !h.refer(k, n, start) {
			return false
		}
	}
	return true
}

// addNumbered adds list n's IDs found by their numbers; numbered is false,
// with the list taken back, when a number finds another ID than the one
// it comes with (numbers that are not one per ID: the map must do).
func (h *heldLists) addNumbered(evidence []string, items []int32, n int32, start int) (ok, numbered bool) {
	for i, j := range items {
		k := h.byItem[j] - 1
		switch {
		case k < 0:
			k = h.newID(evidence[i])
			h.byItem[j], h.items = k+1, append(h.items, j)
		case h.ids[k] != evidence[i]:
			for _, r := range h.refs[start:] {
				h.last[r] = 0 // no later list is numbered 0
			}
			h.refs = h.refs[:start]
			return false, false
		}
		if !h.refer(k, n, start) {
			return false, true
		}
	}
	return true, true
}

// maxByItem bounds the model numbers found by index (4 MB of index a set):
// a reason naming a larger one turns its set to the map.
const maxByItem = 1 << 20

// numbered reports whether items can be found by index, growing it to
// hold them.
func (h *heldLists) numbered(items []int32) bool {
	top := int32(-1)
	for _, j := range items {
		top = max(top, j)
		if j < 0 {
			return false
		}
	}
	if top >= maxByItem {
		return false
	}
	if int(top) >= len(h.byItem) {
		h.byItem = append(h.byItem, make([]int32, min(max(int(top)+1, 2*len(h.byItem)), maxByItem)-len(h.byItem))...)
	}
	return true
}

// name turns to finding IDs by a map: every ID named so far enters it.
func (h *heldLists) name() {
	if h.named {
		return
	}
	if h.node == nil {
		h.node = make(map[string]int32, max(64, 2*len(h.ids)))
	}
	for k, id := range h.ids {
		h.node[id] = int32(k)
	}
	h.named = true
}

// newID numbers id, not named before.
func (h *heldLists) newID(id string) int32 {
	h.ids, h.last = append(h.ids, id), append(h.last, 0)
	return int32(len(h.ids) - 1)
}

// refer adds ID k to list n (whose refs start at start); false, with the
// list's refs taken back, when the list names it already.
func (h *heldLists) refer(k, n int32, start int) bool {
	if h.last[k] == n {
		h.refs = h.refs[:start]
		return false
	}
	h.last[k] = n
	h.refs = append(h.refs, k)
	return true
}

// encode returns the section's bytes, in h's scratch: valid until h is
// reset.
func (h *heldLists) encode() []byte {
	e := &encoder{b: append(h.plain[:0], 0, heldStrings)}
	sorted := h.writeIDs(e)
	for _, c := range h.counts {
		e.count(c)
	}
	head := len(e.b)
	h.plain = h.lists(e.b, sorted, nil)
	if topo := h.order(); !slices.Equal(topo, sorted) {
		h.permuted = h.lists(append(h.permuted[:0], h.plain[:head]...), topo, sorted)
		if len(h.permuted) < len(h.plain) {
			return h.permuted
		}
	}
	return h.plain
}

// lists appends to head the bits of every list with positions in order
// (indexes into h.ids), and before them whether order is a permutation of
// the sorted IDs (sorted) and if so, that permutation.
func (h *heldLists) lists(head []byte, order, sorted []int32) []byte {
	bw := bitWriter{b: head}
	w := refBits(len(h.ids))
	if sorted == nil {
		bw.put(0, 1)
	} else {
		rank := grown(&h.rank, len(h.ids))
		for p, k := range sorted {
			rank[k] = int32(p)
		}
		bw.put(1, 1)
		h.putLehmer(&bw, order, rank)
	}
	pos := grown(&h.pos, len(h.ids))
	for p, k := range order {
		pos[k] = int32(p)
	}
	at := 0
	for _, c := range h.counts {
		list := h.refs[at : at+c]
		at += c
		k := min(c, leadRefs)
		for _, x := range list[:k] {
			bw.put(uint64(pos[x]), w)
		}
		if c > k {
			h.putRest(&bw, list[k:], pos, w)
		}
	}
	return bw.flush()
}

// putRest writes a reason's IDs past its lead: as a bitmap when they follow
// the order of the section's IDs and that is shorter, else as positions.
func (h *heldLists) putRest(bw *bitWriter, rest, pos []int32, w int) {
	ordered := true
	for i := 1; i < len(rest) && ordered; i++ {
		ordered = pos[rest[i]] > pos[rest[i-1]]
	}
	if ordered && len(h.ids) < len(rest)*w {
		bw.put(1, 1)
		next := int32(0)
		for _, x := range rest {
			bw.zeros(int(pos[x] - next))
			bw.put(1, 1)
			next = pos[x] + 1
		}
		bw.zeros(len(h.ids) - int(next))
		return
	}
	bw.put(0, 1)
	for _, x := range rest {
		bw.put(uint64(pos[x]), w)
	}
}

// order returns the IDs (as indexes into h.ids) in an order each list's
// rest (past its lead) follows, when the rests agree on one (Kahn's
// topological sort of their consecutive pairs, first named first among
// those ready); IDs a disagreement leaves out follow, as first named.
func (h *heldLists) order() []int32 {
	n := len(h.ids)
	indeg, first := grown(&h.indeg, n), grown(&h.first, n) // first: per ID its first outgoing edge + 1
	next, to := h.next[:0], h.to[:0]
	at := 0
	for _, c := range h.counts {
		list := h.refs[at : at+c]
		at += c
		for i := leadRefs + 1; i < len(list); i++ {
			from, t := list[i-1], list[i]
			next, to = append(next, first[from]), append(to, t)
			first[from] = int32(len(to))
			indeg[t]++
		}
	}
	h.next, h.to = next, to
	out := h.topo[:0]
	for k := range int32(n) {
		if indeg[k] == 0 {
			out = append(out, k)
		}
	}
	for i := 0; i < len(out); i++ {
		for e := first[out[i]]; e != 0; e = next[e-1] {
			if indeg[to[e-1]]--; indeg[to[e-1]] == 0 {
				out = append(out, to[e-1])
			}
		}
	}
	for k := range int32(n) {
		if indeg[k] > 0 {
			out = append(out, k)
		}
	}
	h.topo = out
	return out
}

// refBits is how many bits a position among n IDs takes.
func refBits(n int) int { return bits.Len(uint(max(n, 1) - 1)) }

// decodeHeld reads a set's section: the evidence of its n reasons.
func decodeHeld(b []byte, n int) ([][]string, error) {
	v2 := len(b) >= 2 && b[0] == 0 && (b[1] == heldFormat || b[1] == heldNumeric || b[1] == heldStrings)
	d := &decoder{b: b}
	if v2 {
		d.b = b[2:]
	}
	var ids []string
	if v2 && b[1] == heldNumeric {
		ids = d.numbers()
	} else {
		ids = d.strs()
	}
	if named(ids) { // the encoder names each ID once
		return nil, errCorrupt
	}
	counts := make([]int, 0, min(n, len(b)))
	for range n {
		c := d.uvarint()
		if c > uint64(len(ids)) { // a reason names each ID once at most
			return nil, errCorrupt
		}
		counts = append(counts, int(c))
	}
	if d.err != nil {
		return nil, errCorrupt
	}
	out, err := decodeLists(d.b, ids, counts, v2, v2 && b[1] != heldFormat)
	if err != nil {
		return nil, err
	}
	for _, l := range out { // a reason names each ID once
		if named(l) {
			return nil, errCorrupt
		}
	}
	return out, nil
}

// decodeLists reads the positions of a section's reasons.
func decodeLists(b []byte, ids []string, counts []int, v2, lehmer bool) ([][]string, error) {
	if !v2 {
		return decodeSorted(b, ids, counts)
	}
	br := bitReader{b: b}
	w := refBits(len(ids))
	switch {
	case br.get(1) == 0:
	case lehmer:
		ids = br.lehmer(ids)
	default:
		ids = br.permutation(ids, w)
	}
	out := make([][]string, len(counts))
	for i, c := range counts {
		out[i] = br.list(ids, c, w)
	}
	if br.bad || !br.done() {
		return nil, errCorrupt
	}
	return out, nil
}

// decodeSorted reads the positions of sections of the first format: every
// reason's IDs as positions among ids, w bits each.
func decodeSorted(b []byte, ids []string, counts []int) ([][]string, error) {
	total := 0
	for _, c := range counts {
		total += c
	}
	w := refBits(len(ids))
	if len(b) != (total*w+7)/8 || total > 0 && len(ids) == 0 {
		return nil, errCorrupt
	}
	br := bitReader{b: b}
	out := make([][]string, len(counts))
	for i, c := range counts {
		for range c {
			out[i] = append(out[i], br.ref(ids, w))
		}
	}
	if br.bad {
		return nil, errCorrupt
	}
	return out, nil
}

// restoreHeld gives each personal reason its evidence from its set's
// section, or marks it deleted when the section is gone.
func restoreHeld(p parsed, personal map[consent.Scope][]*Reason) error {
	for set := range p.evidence {
		if personal[set] == nil {
			return errCorrupt
		}
	}
	for set, rs := range personal {
		sec, ok := p.evidence[set]
		if !ok {
			for _, r := range rs {
				r.Text, r.EvidenceDeleted = deletedText(string(set)), true
			}
			continue
		}
		lists, err := decodeHeld(sec, len(rs))
		if err != nil {
			return err
		}
		for i, r := range rs {
			r.Evidence = lists[i]
		}
	}
	return nil
}

// deletedText is the text of a reason whose feature set's evidence was
// deleted by a withdrawal or an erasure.
func deletedText(set string) string {
	return basedOn(set) + ". The details were deleted when that data was withdrawn or erased."
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
