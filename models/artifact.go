package models

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"hash"
	"io"
	"math"

	"github.com/candorhq/candor"
)

// Artifact layout (little endian), format version 1:
//
//	magic    8 bytes  "CANDORMD"
//	version  uint32   ArtifactVersion
//	reserved uint32   0
//	bodyLen  uint64   length of the body
//	body:
//	  uvarint n, then n bytes of JSON: kind, params, meta, counts
//	  item ids, then category names: each uvarint length + bytes
//	  pop      items × float32
//	  offsets  (rows+1) × int32
//	  nbr      weights × int32
//	  w        weights × float32
//	sha256   32 bytes over everything before it (header and body)
const (
	artifactMagic   = "CANDORMD"
	ArtifactVersion = 1 // the format version Encode writes and Decode reads
	headerLen       = 24
	maxBodyLen      = 1 << 40
)

// artifactHeader is the JSON part of the body.
type artifactHeader struct {
	Kind       Kind   `json:"kind"`
	Params     Params `json:"params"`
	Meta       Meta   `json:"meta"`
	Items      int    `json:"items"`
	Categories int    `json:"categories"`
	Weights    int    `json:"weights"`
}

// Encode writes m as a versioned, checksummed artifact.
func (m *Model) Encode(w io.Writer) error {
	hdr, err := json.Marshal(artifactHeader{Kind: m.Kind, Params: m.Params, Meta: m.Meta,
		Items: len(m.ids), Categories: len(m.cats), Weights: len(m.w)})
	if err != nil {
		return candor.Wrap("models.Encode", err)
	}
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 1<<16)
	e := encoder{w: bw}
	e.header(m.bodyLen(hdr))
	e.bytes(hdr)
	for _, s := range m.ids {
		e.bytes([]byte(s))
	}
	for _, s := range m.cats {
		e.bytes([]byte(s))
	}
	e.float32s(m.pop)
	e.int32s(m.offsets)
	e.int32s(m.nbr)
	e.float32s(m.w)
	if e.err == nil {
		e.err = bw.Flush()
	}
	if e.err == nil {
		_, e.err = w.Write(sum.Sum(nil))
	}
	return candor.Wrap("models.Encode", e.err)
}

// bodyLen returns the exact length of the body Encode writes.
func (m *Model) bodyLen(hdr []byte) uint64 {
	n := uvarintLen(len(hdr)) + len(hdr)
	for _, s := range m.ids {
		n += uvarintLen(len(s)) + len(s)
	}
	for _, s := range m.cats {
		n += uvarintLen(len(s)) + len(s)
	}
	return uint64(n + 4*(len(m.pop)+len(m.offsets)+len(m.nbr)+len(m.w)))
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// encoder writes artifact parts, keeping the first error.
type encoder struct {
	w   io.Writer
	buf []byte
	err error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) header(bodyLen uint64) {
	b := append([]byte(artifactMagic), make([]byte, 16)...)
	binary.LittleEndian.PutUint32(b[8:], ArtifactVersion)
	binary.LittleEndian.PutUint64(b[16:], bodyLen)
	e.write(b)
}

func (e *encoder) bytes(b []byte) {
	e.write(binary.AppendUvarint(e.buf[:0], uint64(len(b))))
	e.write(b)
}

func (e *encoder) int32s(v []int32) {
	for len(v) > 0 {
		n := min(len(v), 4096)
		e.buf = e.buf[:0]
		for _, x := range v[:n] {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(x))
		}
		e.write(e.buf)
		v = v[n:]
	}
}

func (e *encoder) float32s(v []float32) {
	for len(v) > 0 {
		n := min(len(v), 4096)
		e.buf = e.buf[:0]
		for _, x := range v[:n] {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(x))
		}
		e.write(e.buf)
		v = v[n:]
	}
}

// Decode reads an artifact written by Encode. A truncated, corrupt, foreign
// or newer-format artifact is refused with an EInvalid error and no model.
func Decode(r io.Reader) (*Model, error) {
	sum := sha256.New()
	body, err := readBody(io.TeeReader(r, sum))
	if err != nil {
		return nil, err
	}
	if err := checkSum(r, sum); err != nil {
		return nil, err
	}
	return decodeBody(body)
}

// invalid returns the error for a refused artifact.
func invalid(format string, args ...any) error {
	e := candor.Errorf(candor.EInvalid, "model artifact: "+format, args...)
	e.Op = "models.Decode"
	return e
}

// readBody reads and checks the header and returns the body.
func readBody(r io.Reader) ([]byte, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, invalid("truncated header (%v)", err)
	}
	if string(h[:8]) != artifactMagic {
		return nil, invalid("not a Candor model (bad magic)")
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != ArtifactVersion {
		return nil, invalid("format version %d, this build reads version %d", v, ArtifactVersion)
	}
	n := binary.LittleEndian.Uint64(h[16:])
	if n > maxBodyLen {
		return nil, invalid("body length %d is implausible", n)
	}
	body, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, candor.Wrap("models.Decode", err)
	}
	if uint64(len(body)) != n {
		return nil, invalid("truncated: body has %d of %d bytes", len(body), n)
	}
	return body, nil
}

// checkSum reads the trailing SHA-256 and compares it with the running sum.
func checkSum(r io.Reader, sum hash.Hash) error {
	want := sum.Sum(nil)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil {
		return invalid("truncated: missing checksum")
	}
	if !bytes.Equal(got, want) {
		return invalid("checksum mismatch: the artifact is corrupt")
	}
	return nil
}

// decodeBody parses and validates a checksummed body.
func decodeBody(body []byte) (*Model, error) {
	d := decoder{b: body}
	var h artifactHeader
	if err := json.Unmarshal(d.bytes(), &h); err != nil || d.err != nil {
		return nil, invalid("bad header")
	}
	if !h.Kind.Valid() || h.Items < 0 || h.Categories < 0 || h.Weights < 0 || h.Params.Categories != h.Categories {
		return nil, invalid("bad header")
	}
	h.Params.Scoring = h.Params.Scoring.WithDefaults() // artifacts before scoring have none
	if err := h.Params.Scoring.Validate(); err != nil {
		return nil, invalid("%s", candor.ErrorMessage(err))
	}
	m := &Model{Kind: h.Kind, Params: h.Params, Meta: h.Meta}
	m.ids = d.strings(h.Items)
	m.cats = d.strings(h.Categories)
	m.pop = d.float32s(h.Items)
	m.offsets = d.int32s(h.Items + h.Categories + 1)
	m.nbr = d.int32s(h.Weights)
	m.w = d.float32s(h.Weights)
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, invalid("%d unexpected trailing bytes in the body", len(d.b))
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	m.buildIndexes()
	return m, nil
}

// validate checks the invariants scoring relies on.
func (m *Model) validate() error {
	if m.offsets[0] != 0 || int(m.offsets[len(m.offsets)-1]) != len(m.w) {
		return invalid("row offsets do not cover the weights")
	}
	for r := range m.NumRows() {
		lo, hi := m.offsets[r], m.offsets[r+1]
		if hi < lo || int(hi) > len(m.w) {
			return invalid("row %d has bad offsets", r)
		}
		for k := lo; k < hi; k++ {
			if m.nbr[k] < 0 || int(m.nbr[k]) >= len(m.ids) || (k > lo && m.nbr[k] <= m.nbr[k-1]) {
				return invalid("row %d has a bad neighbour", r)
			}
			if !finite(m.w[k]) {
				return invalid("row %d has a non-finite weight", r)
			}
		}
	}
	for i, p := range m.pop {
		if !finite(p) || p < 0 || p > 1 {
			return invalid("item %d has popularity %g outside [0, 1]", i, p)
		}
	}
	return m.validateNames()
}

// validateNames checks that item ids and category names are unique.
func (m *Model) validateNames() error {
	seen := make(map[string]bool, len(m.ids))
	for _, id := range m.ids {
		if seen[id] {
			return invalid("duplicate item id %q", id)
		}
		seen[id] = true
	}
	clear(seen)
	for _, c := range m.cats {
		if seen[c] {
			return invalid("duplicate category %q", c)
		}
		seen[c] = true
	}
	return nil
}

func finite(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

// decoder reads body parts, checking every length against what is left
// before allocating, and keeps the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = invalid("body ends early")
	}
	d.b = nil
}

func (d *decoder) bytes() []byte {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.fail()
		return nil
	}
	out := d.b[k : k+int(n)]
	d.b = d.b[k+int(n):]
	return out
}

func (d *decoder) strings(n int) []string {
	if n > len(d.b) { // each string takes at least one byte
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = string(d.bytes())
	}
	return out
}

func (d *decoder) words(n int) []byte {
	if n < 0 || n > len(d.b)/4 {
		d.fail()
		return nil
	}
	out := d.b[:4*n]
	d.b = d.b[4*n:]
	return out
}

func (d *decoder) int32s(n int) []int32 {
	b := d.words(n)
	if d.err != nil {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (d *decoder) float32s(n int) []float32 {
	b := d.words(n)
	if d.err != nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
