package recommend

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	mbits "math/bits"
)

// The primitives of the compact decision record (see record.go): unsigned
// and signed varints, strings, and float64s. A string is written once: as
// an index into a fixed dictionary, else as a literal the first time and
// as an index into the strings seen so far in the same part of the record
// after that. A literal shares up to 7 leading bytes with the literal
// before it (item IDs of one shop mostly share a prefix): it is written
// as 2·(8·suffix length + shared bytes)+1 followed by the suffix. A
// float64 is written without its trailing zero bytes, or as its xor with
// the float before it of the same kind (floats of one kind mostly share
// their sign, exponent and first bits), or as an index into the floats
// seen so far.

// dictionary holds the strings records repeat (feature sets, reason kinds,
// consent reasons, causes, placements): each is written as its index.
// It is part of the format and is full: a string written again is its
// index after the dictionary's (literalBase + its order), so an entry
// added would take the index of a literal in every record written before
// it. A new string goes into a new record version, or, for a reason kind,
// a reason pair (recordbody.go).
var dictionary = []string{
	"", "browsing", "purchases", "declared", "location", "demographics", "sensitive", "context", "none", "rules",
	KindBoughtTogether, KindRated, KindViewedRecently, KindSensitiveHistory, KindSimilarToCurrent,
	KindDeclaredPreference, KindPopularInCategory, KindPopular, KindPromoted, KindDemoted,
	"full", "partial", "no_record", "denied", "expired", "reconsent_needed", "gpc", "not_read",
	"store_unavailable", "timeout", "circuit_open",
	DropNotInCatalog, DropUnavailable, DropPurchased, DropNotInterested, DropHiddenCategory, DropSensitive,
	DropInContext, DropRuleFilteredOut, NotInModel,
	"home", "product", "cart", "email",
	"ease", "itemknn", "popularity", // model kinds, in packed model versions
}

// literalBase is the index of a record's first literal; the dictionary
// holds exactly that many strings (TestDictionaryIsFull).
const literalBase = 47

// legacyLiteralBase is the literal base of the records written before the
// model kinds joined the dictionary (until 1 December 2026). They are
// told apart by their model version: written whole where a later record
// packs it (flagModelPacked).
const legacyLiteralBase = 44

var dictIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(dictionary))
	for i, s := range dictionary {
		m[s] = uint64(i)
	}
	return m
}()

// encoder appends a record's fields to b.
type encoder struct {
	b      []byte
	base   uint64            // the index of the first literal (0: literalBase; only tests write records of before)
	seen   map[string]uint64 // strings written as literals → their index (after the dictionary's)
	last   string            // the last literal written
	floats map[uint64]uint64 // bits of floats written → their index
	prev   [slots]uint64     // the last float of each slot
	has    [slots]bool
}

func (e *encoder) byte(c byte)         { e.b = append(e.b, c) }
func (e *encoder) literalBase() uint64 { return cmp.Or(e.base, literalBase) }
func (e *encoder) uvarint(v uint64)    { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)      { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) count(n int)         { e.uvarint(uint64(n)) }
func (e *encoder) raw(p []byte)        { e.b = append(e.b, p...) }
func (e *encoder) strs(ss []string) {
	e.count(len(ss))
	for _, s := range ss {
		e.str(s)
	}
}

// str writes s as 2·index when it is in the dictionary or was written
// before, else as 2·len+1 followed by its bytes.
func (e *encoder) str(s string) {
	if i, ok := dictIndex[s]; ok {
		e.uvarint(i << 1)
		return
	}
	if i, ok := e.seen[s]; ok {
		e.uvarint(i << 1)
		return
	}
	if e.seen == nil {
		e.seen = map[string]uint64{}
	}
	e.seen[s] = e.literalBase() + uint64(len(e.seen))
	e.literal(s)
}

// distinct writes a counted list of strings known to be distinct, each as
// a literal (no lookups: an evidence section names hundreds of IDs once);
// a decoder reads it as strs.
func (e *encoder) distinct(ss []string) {
	e.count(len(ss))
	for _, s := range ss {
		e.literal(s)
	}
}

// literal writes s as a literal sharing its leading bytes with the last.
func (e *encoder) literal(s string) {
	shared := 0
	for shared < maxShared && shared < len(s) && shared < len(e.last) && s[shared] == e.last[shared] {
		shared++
	}
	e.uvarint(uint64((len(s)-shared)<<3|shared)<<1 | 1)
	e.b = append(e.b, s[shared:]...)
	e.last = s
}

// maxShared is the most leading bytes a literal shares with the one before.
const maxShared = 7

// How a float is written, in four bits of the byte before it:
//
//	0-8    its first code bytes (big-endian bits; the rest are zero bytes)
//	9      as a float written before: its index among them follows
//	10-15  as its xor with the last float of its slot (a reason pair):
//	       the xor's code-9 leading zero bytes are left out, the rest follow
//
// Every float not written as a reference joins the floats written before,
// and every float becomes the last of its slot.
const (
	floatRef = 9
	floatXor = 9 // code - floatXor = leading zero bytes left out
	slots    = 16
)

// floatCode returns how f, in slot, is written, and the index of a
// reference or the bits of an xor.
func (e *encoder) floatCode(f float64, slot int) (code int, arg uint64) {
	bits := math.Float64bits(f)
	prev, had := e.prev[slot], e.has[slot]
	e.prev[slot], e.has[slot] = bits, true
	if i, ok := e.floats[bits]; ok {
		return floatRef, i
	}
	if e.floats == nil {
		e.floats = map[uint64]uint64{}
	}
	e.floats[bits] = uint64(len(e.floats))
	code = floatBytes(f)
	if had {
		x := bits ^ prev
		if lz := min(mbits.LeadingZeros64(x)/8, 6); lz > 0 && 8-lz < code {
			return floatXor + lz, x
		}
	}
	return code, bits
}

// floatBytes is how many leading bytes of f's big-endian bits are not
// trailing zeros: 0 for +0, 2 for 3.0 or 0.5, 8 for most scores.
func floatBytes(f float64) int {
	return 8 - mbits.TrailingZeros64(math.Float64bits(f))/8
}

// float writes a float as floatCode said.
func (e *encoder) float(code int, arg uint64) {
	switch {
	case code == floatRef:
		e.uvarint(arg)
	case code > floatXor:
		for i := code - floatXor; i < 8; i++ {
			e.b = append(e.b, byte(arg>>(56-8*i)))
		}
	default:
		for i := range code {
			e.b = append(e.b, byte(arg>>(56-8*i)))
		}
	}
}

// errCorrupt is every decoding failure: the bytes are not a record this
// version wrote.
var errCorrupt = errors.New("malformed decision record")

// decoder reads a record's fields from b; after the first failure every
// read returns a zero value and err is set, so callers check once.
type decoder struct {
	b      []byte
	err    error
	base   uint64    // the index of the first literal (0: literalBase)
	seen   []string  // literals read so far
	floats []float64 // floats read so far
	prev   [slots]uint64
	has    [slots]bool
}

// last is the last literal read.
func (d *decoder) last() string {
	if len(d.seen) == 0 {
		return ""
	}
	return d.seen[len(d.seen)-1]
}

func (d *decoder) fail() { d.err, d.b = errCorrupt, nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of following elements, each at least one byte, so
// a count larger than what is left is corrupt (and never allocates).
func (d *decoder) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *decoder) raw(n int) []byte {
	if n < 0 || n > len(d.b) {
		d.fail()
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string {
	v := d.uvarint()
	if v&1 == 0 {
		base := cmp.Or(d.base, literalBase)
		switch i := v >> 1; {
		case i < base:
			return dictionary[i]
		case i-base < uint64(len(d.seen)):
			return d.seen[i-base]
		}
		d.fail()
		return ""
	}
	shared, n := int(v>>1&maxShared), v>>4
	prev := d.last()
	if n > uint64(len(d.b)) || shared > len(prev) {
		d.fail()
		return ""
	}
	s := prev[:shared] + string(d.raw(int(n)))
	d.seen = append(d.seen, s)
	return s
}

// strs reads a counted list of strings; nil when empty.
func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// float reads a float of slot written with code.
func (d *decoder) float(code, slot int) float64 {
	var bits uint64
	switch {
	case code == floatRef:
		i := d.uvarint()
		if i >= uint64(len(d.floats)) {
			d.fail()
			return 0
		}
		bits = math.Float64bits(d.floats[i])
	case code > floatXor:
		if !d.has[slot] {
			d.fail()
			return 0
		}
		lz := code - floatXor
		for i, c := range d.raw(8 - lz) {
			bits |= uint64(c) << (56 - 8*(i+lz))
		}
		bits ^= d.prev[slot]
	default:
		for i, c := range d.raw(code) {
			bits |= uint64(c) << (56 - 8*i)
		}
	}
	f := math.Float64frombits(bits)
	if math.IsNaN(f) || math.IsInf(f, 0) { // no answer holds one: JSON cannot
		d.fail()
		return 0
	}
	if code != floatRef {
		d.floats = append(d.floats, f)
	}
	d.prev[slot], d.has[slot] = bits, true
	return f
}
