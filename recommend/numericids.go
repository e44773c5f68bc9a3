package recommend

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Most catalogues number their items: "m1234", "i000042", "7982301839491".
// When every distinct ID of an evidence section is one prefix followed by a
// decimal number, the section (marked heldNumeric instead of heldStrings)
// writes the prefix once and the numbers in ascending order as gaps, a byte
// or two each instead of an ID's digits:
//
//	ids   = prefix:str width:uvarint n:uvarint gap:uvarint*
//
// width is 0 when no number has a leading zero (IDs as strconv writes
// them), else the digit count of every number (zero-padded IDs of one
// length). The first number is its gap; each next is the one before plus
// its gap plus one. Positions in the section refer to the IDs in this
// ascending order.
const (
	heldNumeric = 0x82
	maxDigits   = 18 // a number below 10^18 leaves room in a uint64 for any gap
)

// numberedIDs returns the numbers of ids (IDs of one prefix followed by a
// decimal number) into vals, and the prefix and width to write them with;
// ok is false when ids have no such form.
func numberedIDs(ids []string, vals []uint64) (prefix string, width int, ok bool) {
	var f idForm
	for i, id := range ids {
		if vals[i], ok = f.add(id); !ok {
			return "", 0, false
		}
	}
	width, ok = f.width()
	return f.prefix, width, ok
}

// idForm finds the numeric form of IDs given one by one.
type idForm struct {
	n               int
	prefix          string
	digits          int  // of the first
	canonical, same bool // so far no number has a leading zero; all have the first's digits
}

// add returns id's number; false when id has no numeric form or another
// prefix than the IDs before.
func (f *idForm) add(id string) (uint64, bool) {
	j := len(id)
	for j > 0 && id[j-1] >= '0' && id[j-1] <= '9' {
		j--
	}
	digits := id[j:]
	if digits == "" || len(digits) > maxDigits || f.n > 0 && id[:j] != f.prefix {
		return 0, false
	}
	if f.n == 0 {
		f.prefix, f.digits, f.canonical, f.same = id[:j], len(digits), true, true
	}
	f.n++
	f.canonical = f.canonical && (digits[0] != '0' || len(digits) == 1)
	f.same = f.same && len(digits) == f.digits
	v, _ := strconv.ParseUint(digits, 10, 64)
	return v, true
}

// width returns the width to write the IDs with (0: no padding); false
// when they mix padded numbers of several lengths.
func (f *idForm) width() (int, bool) {
	switch {
	case f.canonical:
		return 0, true
	case f.same:
		return f.digits, true
	}
	return 0, false
}

// writeIDs writes the section's distinct IDs, by number when they have the
// numeric form (and then marks the section so) and else sorted as strings,
// and returns them as indexes into h.ids in the order written.
func (h *heldLists) writeIDs(e *encoder) []int32 {
	order := grown(&h.sorted, len(h.ids))
	h.vals = slices.Grow(h.vals[:0], len(h.ids))[:len(h.ids)]
	vals := h.vals
	for k := range order {
		order[k] = int32(k)
	}
	prefix, width, ok := numberedIDs(h.ids, vals)
	if !ok || len(h.ids) == 0 {
		slices.SortFunc(order, func(a, b int32) int { return strings.Compare(h.ids[a], h.ids[b]) })
		ids := make([]string, len(order))
		for p, k := range order {
			ids[p] = h.ids[k]
		}
		e.distinct(ids)
		return order
	}
	sortByValue(order, vals, &h.keys)
	e.b[1] = heldNumeric
	e.literal(prefix)
	e.count(width)
	e.count(len(order))
	for p, k := range order {
		gap := vals[k]
		if p > 0 {
			gap -= vals[order[p-1]] + 1
		}
		e.uvarint(gap)
	}
	return order
}

// sortByValue orders order (0..len-1) by vals, the numbers of distinct IDs.
// A long history's section holds hundreds of IDs, and a sort of plain
// integers runs several times faster than one that calls a comparison:
// each number goes with its index in one uint64 when both fit (numbers
// under 2^44, indexes under 2^20), sorted in keys (scratch).
func sortByValue(order []int32, vals []uint64, keys *[]uint64) {
	const indexBits = 20
	ks := slices.Grow((*keys)[:0], len(order))[:len(order)]
	*keys = ks
	for k, v := range vals {
		if v>>(64-indexBits) != 0 || len(vals) > 1<<indexBits {
			slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(vals[a], vals[b]) })
			return
		}
		ks[k] = v<<indexBits | uint64(k)
	}
	slices.Sort(ks)
	for p, key := range ks {
		order[p] = int32(key & (1<<indexBits - 1))
	}
}

// numbers reads the IDs of a section of the numeric form.
func (d *decoder) numbers() []string {
	prefix := d.str()
	width := d.uvarint()
	n := d.count()
	limit := formLimit(width)
	if d.err != nil || limit == 0 {
		d.fail()
		return nil
	}
	out := make([]string, n)
	var v uint64
	var buf []byte
	for i := range out {
		gap := d.uvarint()
		if i > 0 {
			v++
		}
		if d.err != nil || gap >= limit-v {
			d.fail()
			return nil
		}
		v += gap
		out[i], buf = numberID(buf, prefix, width, v)
	}
	return out
}

// formLimit is the first number IDs of width cannot hold; 0 for a width
// no encoder writes.
func formLimit(width uint64) uint64 {
	if width > maxDigits {
		return 0
	}
	p := uint64(1)
	for range cmp.Or(width, maxDigits) {
		p *= 10
	}
	return p
}

// numberID returns the ID of number v, and buf to use again.
func numberID(buf []byte, prefix string, width, v uint64) (string, []byte) {
	var num [20]byte
	digits := strconv.AppendUint(num[:0], v, 10)
	buf = append(buf[:0], prefix...)
	for range int(width) - len(digits) {
		buf = append(buf, '0')
	}
	buf = append(buf, digits...)
	return string(buf), buf
}
