package recommend

import (
	"encoding/hex"
	"strings"
	"sync/atomic"
	"time"
)

// The packed parts of a record's body (recordbody.go): the model version
// the registry makes, and the items' IDs when they are numbers.

// trainedVersion is a model version as registry.go makes it,
// kind-YYYYMMDDTHHMMSS-digest: 30 bytes as a string, 10 packed.
type trainedVersion struct {
	kind   string
	second uint64 // training time, seconds since the Unix epoch
	digest [4]byte
}

const (
	versionLayout = "20060102T150405" // the registry's, in every model version
	lastSecond    = 253402300799      // 9999-12-31T23:59:59Z, the last the layout writes
)

// packedVersion is the last model version packed: every answer of a model
// names the same one, so a record's encoding parses it once per model.
var packedVersion atomic.Pointer[packedEntry]

type packedEntry struct {
	version string
	packed  trainedVersion
	ok      bool
}

// packModelVersion returns v packed; false when v is not of that form.
func packModelVersion(v string) (trainedVersion, bool) {
	if e := packedVersion.Load(); e != nil && e.version == v {
		return e.packed, e.ok
	}
	t, ok := parseModelVersion(v)
	packedVersion.Store(&packedEntry{version: v, packed: t, ok: ok})
	return t, ok
}

// parseModelVersion returns v packed; false when v is not of that form.
func parseModelVersion(v string) (trainedVersion, bool) {
	var t trainedVersion
	i := strings.LastIndexByte(v, '-')
	j := i - len(versionLayout) - 1
	if i < 0 || len(v)-i-1 != 2*len(t.digest) || j < 1 || v[j] != '-' {
		return t, false
	}
	at, err := time.Parse(versionLayout, v[j+1:i])
	if err != nil || at.Unix() < 0 || at.Format(versionLayout) != v[j+1:i] {
		return t, false
	}
	if _, err := hex.Decode(t.digest[:], []byte(v[i+1:])); err != nil || hex.EncodeToString(t.digest[:]) != v[i+1:] {
		return t, false
	}
	t.kind, t.second = v[:j], uint64(at.Unix())
	return t, true
}

// unpackModelVersion reads a packed model version.
func unpackModelVersion(d *decoder) string {
	kind, second, digest := d.str(), d.uvarint(), d.raw(4)
	if d.err != nil || kind == "" || second > lastSecond {
		d.fail()
		return ""
	}
	at := time.Unix(int64(second), 0).UTC().Format(versionLayout)
	return kind + "-" + at + "-" + hex.EncodeToString(digest)
}

// numbered is the numeric form of a body's item IDs (see numericids.go).
type numbered struct {
	ok     bool
	prefix string
	width  int
	vals   []uint64
}

// numberedItems returns the numeric form of items' IDs, if they have one,
// with their numbers appended to vals.
func numberedItems(items []Item, vals []uint64) numbered {
	var f idForm
	for i := range items {
		v, ok := f.add(items[i].ItemID)
		if !ok {
			return numbered{}
		}
		vals = append(vals, v)
	}
	width, ok := f.width()
	return numbered{ok: ok && len(items) > 0, prefix: f.prefix, width: width, vals: vals}
}

// delta is what item i's ID is written as: its number less the one before.
func (n numbered) delta(i int) int64 {
	if i == 0 {
		return int64(n.vals[0])
	}
	return int64(n.vals[i]) - int64(n.vals[i-1])
}

// numberReader reads a body's item IDs: as strings, or as numbers when ok.
type numberReader struct {
	ok     bool
	prefix string
	width  uint64
	last   uint64
	buf    []byte
}

func (r *numberReader) next(d *decoder) string {
	if !r.ok {
		return d.str()
	}
	delta := d.varint()
	limit := formLimit(r.width)
	if d.err != nil || limit == 0 || delta < -int64(r.last) || delta >= int64(limit)-int64(r.last) {
		d.fail()
		return ""
	}
	r.last = uint64(int64(r.last) + delta)
	var id string
	id, r.buf = numberID(r.buf, r.prefix, r.width, r.last)
	return id
}
