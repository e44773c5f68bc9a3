package recommend

import (
	"encoding/binary"
	"errors"
	"math"
)

// The primitives of the compact decision record (see record.go): unsigned
// and signed varints, strings, and float64s. A string is written once: as
// an index into a fixed dictionary, else as a literal the first time and
// as an index into the strings seen so far in the same part of the record
// after that. A float64 is written without its trailing zero bytes the
// first time, and as an index into the floats seen so far after that.

// dictionary holds the strings records repeat (feature sets, reason kinds,
// consent reasons, causes, placements): each is written as its index.
// It is part of the format: append only, never reorder or remove.
var dictionary = []string{
	"", "browsing", "purchases", "declared", "location", "demographics", "sensitive", "context", "none", "rules",
	KindBoughtTogether, KindRated, KindViewedRecently, KindSensitiveHistory, KindSimilarToCurrent,
	KindDeclaredPreference, KindPopularInCategory, KindPopular, KindPromoted, KindDemoted,
	"full", "partial", "no_record", "denied", "expired", "reconsent_needed", "gpc", "not_read",
	"store_unavailable", "timeout", "circuit_open",
	DropNotInCatalog, DropUnavailable, DropPurchased, DropNotInterested, DropHiddenCategory, DropSensitive,
	DropInContext, DropRuleFilteredOut, NotInModel,
	"home", "product", "cart", "email",
}

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
	seen   map[string]uint64 // strings written as literals → their index (after the dictionary's)
	floats map[uint64]uint64 // bits of floats written → their index
}

func (e *encoder) byte(c byte)      { e.b = append(e.b, c) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) count(n int)      { e.uvarint(uint64(n)) }
func (e *encoder) raw(p []byte)     { e.b = append(e.b, p...) }
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
	e.seen[s] = uint64(len(dictionary) + len(e.seen))
	e.uvarint(uint64(len(s))<<1 | 1)
	e.b = append(e.b, s...)
}

// floatRef is the float code of a float written before: its index follows.
const floatRef = 9

// floatCode returns how f is written: floatRef when it was written before
// (with its index), else how many bytes it takes (see floatBytes).
func (e *encoder) floatCode(f float64) (code int, ref uint64) {
	bits := math.Float64bits(f)
	if i, ok := e.floats[bits]; ok {
		return floatRef, i
	}
	if e.floats == nil {
		e.floats = map[uint64]uint64{}
	}
	e.floats[bits] = uint64(len(e.floats))
	return floatBytes(f), 0
}

// float writes f as floatCode said.
func (e *encoder) float(f float64, code int, ref uint64) {
	if code == floatRef {
		e.uvarint(ref)
		return
	}
	bits := math.Float64bits(f)
	for i := range code {
		e.b = append(e.b, byte(bits>>(56-8*i)))
	}
}

// floatBytes is how many leading bytes of f's big-endian bits are not
// trailing zeros: 0 for +0, 2 for 3.0 or 0.5, 8 for most scores.
func floatBytes(f float64) int {
	bits := math.Float64bits(f)
	n := 8
	for n > 0 && bits&0xff == 0 {
		bits >>= 8
		n--
	}
	return n
}

// errCorrupt is every decoding failure: the bytes are not a record this
// version wrote.
var errCorrupt = errors.New("malformed decision record")

// decoder reads a record's fields from b; after the first failure every
// read returns a zero value and err is set, so callers check once.
type decoder struct {
	b      []byte
	err    error
	seen   []string  // literals read so far
	floats []float64 // floats read so far
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
		switch i := v >> 1; {
		case i < uint64(len(dictionary)):
			return dictionary[i]
		case i-uint64(len(dictionary)) < uint64(len(d.seen)):
			return d.seen[i-uint64(len(dictionary))]
		}
		d.fail()
		return ""
	}
	if v>>1 > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.raw(int(v >> 1)))
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

// float reads a float written with code.
func (d *decoder) float(code int) float64 {
	if code == floatRef {
		i := d.uvarint()
		if i >= uint64(len(d.floats)) {
			d.fail()
			return 0
		}
		return d.floats[i]
	}
	if code > 8 {
		d.fail()
		return 0
	}
	p := d.raw(code)
	var bits uint64
	for i, c := range p {
		bits |= uint64(c) << (56 - 8*i)
	}
	f := math.Float64frombits(bits)
	d.floats = append(d.floats, f)
	return f
}
