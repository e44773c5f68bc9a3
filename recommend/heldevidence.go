package recommend

import (
	"math/bits"
	"slices"

	"github.com/candorhq/candor/consent"
)

// The personal evidence of a compact record: one section per feature set
// (see record.go), which a withdrawal of the set deletes from every stored
// record; a reason whose set's section is gone says so.

// heldLists is the evidence of one feature set's reasons in a record: each
// distinct ID once, sorted (so that neighbours share their prefixes); per
// reason how many IDs it names; then the positions of those IDs in that
// order, each in as few bits as the number of IDs needs, packed most
// significant bit first and padded to a byte.
type heldLists struct {
	lists [][]string
	ids   []string         // the distinct IDs, as first named
	index map[string]int32 // ID → the last list naming it (1-based), then its position in sorted ids
}

// add adds one reason's evidence; false when it names an ID twice.
func (h *heldLists) add(evidence []string) bool {
	if h.index == nil {
		h.index = make(map[string]int32, len(evidence))
	}
	n := int32(len(h.lists) + 1)
	for _, id := range evidence {
		last, ok := h.index[id]
		if ok && last == n {
			return false
		}
		if !ok {
			h.ids = append(h.ids, id)
		}
		h.index[id] = n
	}
	h.lists = append(h.lists, evidence)
	return true
}

func (h *heldLists) encode() []byte {
	ids := h.ids
	slices.Sort(ids)
	for k, id := range ids {
		h.index[id] = int32(k)
	}
	e := &encoder{}
	e.strs(ids)
	for _, l := range h.lists {
		e.count(len(l))
	}
	w := refBits(len(ids))
	var acc uint64
	n := 0
	for _, l := range h.lists {
		for _, id := range l {
			acc = acc<<w | uint64(h.index[id])
			for n += w; n >= 8; n -= 8 {
				e.byte(byte(acc >> (n - 8)))
			}
		}
	}
	if n > 0 {
		e.byte(byte(acc << (8 - n)))
	}
	return e.b
}

// refBits is how many bits a position among n IDs takes.
func refBits(n int) int { return bits.Len(uint(max(n, 1) - 1)) }

// decodeHeld reads a set's section: the evidence of its n reasons.
func decodeHeld(b []byte, n int) ([][]string, error) {
	d := &decoder{b: b}
	ids := d.strs()
	counts := make([]int, 0, min(n, len(b)))
	total := 0
	for range n {
		c := d.uvarint()
		if c > uint64(len(ids)) { // a reason names each ID once at most
			return nil, errCorrupt
		}
		counts = append(counts, int(c))
		total += int(c)
	}
	w := refBits(len(ids))
	if d.err != nil || len(d.b) != (total*w+7)/8 || total > 0 && len(ids) == 0 {
		return nil, errCorrupt
	}
	out := make([][]string, len(counts))
	var acc uint64
	have, pos := 0, 0
	for i, c := range counts {
		for range c {
			for have < w {
				acc, have, pos = acc<<8|uint64(d.b[pos]), have+8, pos+1
			}
			k := int(acc>>(have-w)) & (1<<w - 1)
			have -= w
			if k >= len(ids) {
				return nil, errCorrupt
			}
			out[i] = append(out[i], ids[k])
		}
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
