package models

import "slices"

// itemIndex finds an item's number by its ID. Most catalogues number their
// items ("m1234", "42", "SKU-000042"): when every ID is one prefix followed
// by a decimal number, all without leading zeros or all of one width, and
// the largest number is below maxNumberSlots, the index is a table from
// number to item (one read a lookup, in a table of int32s); otherwise a
// map. A recommendation looks up every item of the customer's history, up
// to 1,500, and in a map of 10,000 string keys each lookup misses the
// cache two or three times (its control word, its key's bytes): about a
// tenth of a recommendation's CPU at history 500.
type itemIndex struct {
	prefix string  // the IDs' common prefix; the table is used when byNum != nil
	width  int     // the digits of every ID (zero-padded), or 0: no leading zeros
	byNum  []int32 // number → item number, -1 when no item has it
	byID   map[string]int32
}

// maxNumberSlots bounds a numbered index's table for n items: 16 slots an
// item and 65,536 more, as sparse numbering is common (MovieLens: 9,742
// movies numbered up to 193,609). At 4 bytes a slot that is at most 64
// bytes an item in a large catalogue (a map of string keys takes about 30,
// and its keys' bytes): 6.6 MB for 100,000 items.
func maxNumberSlots(n int) int { return 16*n + 1<<16 }

// newItemIndex indexes ids (item number = position).
func newItemIndex(ids []string) itemIndex {
	if x, ok := numbered(ids); ok {
		return x
	}
	x := itemIndex{byID: make(map[string]int32, len(ids))}
	for i, id := range ids {
		x.byID[id] = int32(i)
	}
	return x
}

// numbered returns the table index of ids, or false when they are not all
// one prefix and a number of one form within maxNumberSlots.
func numbered(ids []string) (itemIndex, bool) {
	if len(ids) == 0 {
		return itemIndex{}, false
	}
	pre := numberPrefix(ids[0])
	if x := (itemIndex{prefix: pre}); x.fill(ids) {
		return x, true
	}
	if width := len(ids[0]) - len(pre); width > 0 {
		if x := (itemIndex{prefix: pre, width: width}); x.fill(ids) {
			return x, true
		}
	}
	return itemIndex{}, false
}

// fill builds x's table of ids; false when an ID is not of x's form.
func (x *itemIndex) fill(ids []string) bool {
	limit, top := maxNumberSlots(len(ids)), -1
	nums := make([]int, len(ids))
	for i, id := range ids {
		n, ok := x.number(id, limit)
		if !ok {
			return false
		}
		nums[i], top = n, max(top, n)
	}
	x.byNum = slices.Repeat([]int32{-1}, top+1)
	for i, n := range nums {
		x.byNum[n] = int32(i)
	}
	return true
}

// numberPrefix is id without its trailing decimal digits.
func numberPrefix(id string) string {
	j := len(id)
	for j > 0 && id[j-1] >= '0' && id[j-1] <= '9' {
		j--
	}
	return id[:j]
}

// number returns the number id holds after x's prefix: false when id has
// another prefix, no digits, other characters after them, another width
// than x's or, when x has none, a leading zero (so "m07" is never item
// "m7"), or a number of limit or more.
func (x *itemIndex) number(id string, limit int) (int, bool) {
	if len(id) <= len(x.prefix) || id[:len(x.prefix)] != x.prefix {
		return 0, false
	}
	d := id[len(x.prefix):]
	if x.width > 0 && len(d) != x.width || x.width == 0 && len(d) > 1 && d[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(d); i++ {
		c := d[i] - '0'
		if c > 9 {
			return 0, false
		}
		if n = n*10 + int(c); n >= limit {
			return 0, false
		}
	}
	return n, true
}

// item returns the number of the item with the given id.
func (x *itemIndex) item(id string) (int32, bool) {
	if x.byNum == nil {
		i, ok := x.byID[id]
		return i, ok
	}
	n, ok := x.number(id, len(x.byNum))
	if !ok || x.byNum[n] < 0 {
		return 0, false
	}
	return x.byNum[n], true
}
