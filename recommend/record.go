package recommend

import (
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
)

// A decision record keeps what is needed to show later exactly what was
// shown and why, and nothing that can be read again: the decision ID and
// time, model and ruleset versions, placement, personalization, fallback,
// warnings, shortfall, and per item its ID and its reasons (kind, feature
// set, rule, contribution, evidence). Titles, categories, reason texts,
// controls and scores are not stored: titles and categories come from the
// live catalog when the record is read (an item no longer in it shows its
// ID), texts and controls are made from the reasons by the code that made
// them for the answer, and a score is the sum of its reasons in order.
//
// The evidence of a reason that used a personal feature set is kept in a
// section of its own per set, so that withdrawing the set (or erasing the
// customer) deletes it from every stored record in the same atomic step
// as the set's data (consent_put.lua strips the set's sections): no record
// can repeat data that is gone, and such a reason then says its evidence
// was deleted.
//
// The bytes, as one element of the customer's decisions list in Redis:
//
//	record  = version:1 time:8 id section*
//	version = 0x01
//	time    = the decision's time, ns since the Unix epoch, big-endian
//	id      = n:1 bytes:n; n = 0x80|16 when bytes are the 32 lower-case
//	          hex digits of the ID decoded (every ID NewDecisionID makes)
//	section = tag:1 len:uvarint payload:len
//
// A record holds one body section, first: tagBody (a recommendation, see
// encodeBody) or tagJSON (a decision of another kind, such as next-best
// actions, as JSON whose evidence SplitReasons moved to sections); then at
// most one section per personal feature set, tag tagEvidence+k for
// recordSets[k]. The store's scripts know only this framing: they read the
// time to trim by age, and drop evidence sections by tag.
const (
	recordVersion = 0x01
	tagBody       = 0x01
	tagJSON       = 0x02
	tagEvidence   = 0x10
	hexID         = 0x80
	headerTime    = 1 // offset of the time
	headerID      = 9 // offset of the ID
)

// recordSets are the personal feature sets whose evidence a record keeps
// apart, by their section tag's offset. Part of the format: append only.
var recordSets = [...]consent.Scope{consent.Browsing, consent.Purchases, consent.Declared, consent.Location, consent.Demographics, consent.Sensitive}

// EvidenceTag is the tag of the sections holding feature set set's
// evidence; ok is false for a scope that is not a feature set.
func EvidenceTag(set consent.Scope) (tag byte, ok bool) {
	for k, s := range recordSets {
		if s == set {
			return tagEvidence + byte(k), true
		}
	}
	return 0, false
}

// evidenceSet is the feature set of an evidence section's tag.
func evidenceSet(tag byte) (consent.Scope, bool) {
	if tag < tagEvidence || int(tag-tagEvidence) >= len(recordSets) {
		return "", false
	}
	return recordSets[tag-tagEvidence], true
}

// recordHeader writes version, time and ID.
func recordHeader(e *encoder, id string, t time.Time) error {
	e.byte(recordVersion)
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(t.UnixNano()))
	if raw, err := hex.DecodeString(id); err == nil && len(raw) == 16 && hex.EncodeToString(raw) == id {
		e.byte(hexID | 16)
		e.raw(raw)
		return nil
	}
	if len(id) >= hexID {
		return candor.Errorf(candor.EInternal, "decision id %q cannot be recorded", id)
	}
	e.byte(byte(len(id)))
	e.raw([]byte(id))
	return nil
}

// section appends a section with payload p.
func section(b []byte, tag byte, p []byte) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// RecordID returns the decision ID of stored record b; ok is false when
// b is not a record of this format.
func RecordID(b []byte) (id string, ok bool) {
	if len(b) <= headerID || b[0] != recordVersion {
		return "", false
	}
	n := int(b[headerID])
	p := b[headerID+1:]
	if n&hexID != 0 {
		n &^= hexID
		if n > len(p) {
			return "", false
		}
		return hex.EncodeToString(p[:n]), true
	}
	if n > len(p) {
		return "", false
	}
	return string(p[:n]), true
}

// parsed is a record split into its parts.
type parsed struct {
	id       string
	time     time.Time
	bodyTag  byte
	body     []byte
	evidence map[consent.Scope][]byte // feature set → its section, for those still held
}

// parseRecord checks the framing of b and splits it.
func parseRecord(b []byte) (parsed, error) {
	var p parsed
	id, ok := RecordID(b)
	if !ok {
		return p, errCorrupt
	}
	p.id = id
	ns := int64(binary.BigEndian.Uint64(b[headerTime:headerID]))
	p.time = time.Unix(0, ns).UTC()
	d := decoder{b: b[headerID+1+int(b[headerID]&^hexID):]}
	for len(d.b) > 0 && d.err == nil {
		tag := d.byte()
		payload := d.raw(d.count())
		switch set, isEvidence := evidenceSet(tag); {
		case d.err != nil:
		case p.bodyTag == 0 && (tag == tagBody || tag == tagJSON):
			p.bodyTag, p.body = tag, payload
		case isEvidence && p.bodyTag != 0 && p.evidence[set] == nil:
			if p.evidence == nil {
				p.evidence = map[consent.Scope][]byte{}
			}
			p.evidence[set] = payload
		default:
			d.fail()
		}
	}
	if d.err != nil || p.bodyTag == 0 {
		return p, errCorrupt
	}
	return p, nil
}

// StripEvidence returns record without the evidence sections of sets: in
// Go, what consent_put.lua does to every stored record when the sets are
// withdrawn (a test holds the two together).
func StripEvidence(record []byte, sets ...consent.Scope) ([]byte, error) {
	if _, err := parseRecord(record); err != nil {
		return nil, err
	}
	drop := map[byte]bool{}
	for _, set := range sets {
		if tag, ok := EvidenceTag(set); ok {
			drop[tag] = true
		}
	}
	start := headerID + 1 + int(record[headerID]&^hexID)
	out := slices.Clone(record[:start])
	d := decoder{b: record[start:]}
	for len(d.b) > 0 {
		rest := d.b
		tag := d.byte()
		d.raw(d.count())
		if !drop[tag] {
			out = append(out, rest[:len(rest)-len(d.b)]...)
		}
	}
	return out, nil
}

// EncodeRecord returns the stored record of answer r without its personal
// evidence, and that evidence as sections to append to it (nil when no
// reason used a personal set).
func EncodeRecord(r *Response) (record, evidence []byte, err error) {
	t, err := time.Parse(time.RFC3339Nano, r.Time)
	if err != nil {
		return nil, nil, candor.Wrap("recommend.EncodeRecord", err)
	}
	s := scratchPool.Get().(*recordScratch)
	defer s.release()
	if err := encodeBody(&s.body, r, &s.held); err != nil {
		return nil, nil, err
	}
	e := &encoder{b: make([]byte, 0, 32+len(s.body.b))}
	if err := recordHeader(e, r.DecisionID, t); err != nil {
		return nil, nil, err
	}
	e.b = section(e.b, tagBody, s.body.b)
	var sections [len(recordSets)][]byte
	size := 0
	for k := range recordSets {
		if h := &s.held[k]; h.used {
			sections[k] = h.encode()
			size += 1 + binary.MaxVarintLen64 + len(sections[k])
		}
	}
	if size > 0 {
		evidence = make([]byte, 0, size)
	}
	for k, p := range sections {
		if p != nil {
			evidence = section(evidence, tagEvidence+byte(k), p)
		}
	}
	return e.b, evidence, nil
}

// recordScratch is what encoding a record needs besides the record:
// pooled, as a long history's evidence takes tens of kilobytes to encode.
type recordScratch struct {
	body encoder
	held heldSets
}

var scratchPool = sync.Pool{New: func() any { return new(recordScratch) }}

// release empties s, so that the pool keeps no customer's data, and
// returns it to the pool.
func (s *recordScratch) release() {
	s.held.reset()
	clear(s.body.b[:cap(s.body.b)])
	clear(s.body.seen)
	clear(s.body.floats)
	s.body = encoder{b: s.body.b[:0], seen: s.body.seen, floats: s.body.floats}
	scratchPool.Put(s)
}

// heldSets is the evidence of a record's personal reasons, by their set's
// position in recordSets.
type heldSets [len(recordSets)]heldLists

func (hs *heldSets) reset() {
	for k := range hs {
		hs[k].reset()
	}
}
