package recommend

import (
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
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
var recordSets = []consent.Scope{consent.Browsing, consent.Purchases, consent.Declared, consent.Location, consent.Demographics, consent.Sensitive}

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
	e := &encoder{b: make([]byte, 0, 64+40*len(r.Items))}
	if err := recordHeader(e, r.DecisionID, t); err != nil {
		return nil, nil, err
	}
	var body encoder
	held, err := encodeBody(&body, r)
	if err != nil {
		return nil, nil, err
	}
	e.b = section(e.b, tagBody, body.b)
	for k, set := range recordSets {
		if h := held[set]; h != nil {
			evidence = section(evidence, tagEvidence+byte(k), h.encode())
		}
	}
	return e.b, evidence, nil
}

// encodeBody writes r's body and returns the evidence of its personal
// reasons by feature set.
func encodeBody(e *encoder, r *Response) (map[consent.Scope]*heldLists, error) {
	e.str(r.ModelVersion)
	e.varint(int64(r.RulesetVersion))
	e.str(r.Placement)
	var flags uint64
	if r.Fallback.Active {
		flags |= flagFallback
	}
	if len(r.Warnings) > 0 {
		flags |= flagWarnings
	}
	if r.Short != nil {
		flags |= flagShort
	}
	e.uvarint(flags)
	e.str(r.Fallback.Reason)
	encodePersonalization(e, &r.Personalization)
	if len(r.Warnings) > 0 {
		e.strs(r.Warnings)
	}
	if r.Short != nil {
		encodeShort(e, r.Short)
	}
	e.count(len(r.Items))
	var held map[consent.Scope]*heldLists
	for i := range r.Items {
		it := &r.Items[i]
		e.str(it.ItemID)
		e.count(len(it.Reasons))
		for j := range it.Reasons {
			rs := &it.Reasons[j]
			encodeReason(e, rs)
			set := consent.Scope(rs.FeatureSet)
			if !set.IsFeatureSet() {
				continue
			}
			if _, ok := EvidenceTag(set); !ok {
				return nil, candor.Errorf(candor.EInternal, "feature set %q has no evidence section", set)
			}
			if held == nil {
				held = map[consent.Scope]*heldLists{}
			}
			if held[set] == nil {
				held[set] = &heldLists{}
			}
			if !held[set].add(rs.Evidence) {
				return nil, candor.Errorf(candor.EInternal, "a reason names evidence %v twice", rs.Evidence)
			}
		}
	}
	return held, nil
}

// Flags of a body.
const (
	flagFallback = 1 << iota
	flagWarnings
	flagShort
)

// A reason starts with one byte: its kind and feature set as a pair of
// reasonPairs (pairLiteral: both follow as strings) in the high four bits,
// and in the low four its contribution's float code (see floatCode; the
// pair is its slot). A
// rule ID follows for the rules' pairs and for literal pairs, then the
// contribution, then (unless its set is personal: see heldLists) its
// evidence for the pairs that carry some and for literal pairs.
var reasonPairs = []struct {
	kind, set   string
	rule, carry bool // has a rule ID; carries evidence
}{
	{KindBoughtTogether, "purchases", false, false}, {KindRated, "purchases", false, false},
	{KindViewedRecently, "browsing", false, false}, {KindSensitiveHistory, "sensitive", false, false},
	{KindSimilarToCurrent, "context", false, true}, {KindDeclaredPreference, "declared", false, false},
	{KindPopularInCategory, "none", false, true}, {KindPopular, "none", false, false},
	{KindPromoted, "rules", true, false}, {KindDemoted, "rules", true, false},
}

const pairLiteral = 15

// pairOf returns the pair r is written as.
func pairOf(r *Reason) int {
	personal := consent.Scope(r.FeatureSet).IsFeatureSet()
	for i, p := range reasonPairs {
		if p.kind == r.Kind && p.set == r.FeatureSet && (p.rule || r.RuleID == "") && (p.carry || personal || len(r.Evidence) == 0) {
			return i
		}
	}
	return pairLiteral
}

func encodeReason(e *encoder, r *Reason) {
	p := pairOf(r)
	code, arg := e.floatCode(r.Contribution, p)
	e.byte(byte(p<<4 | code))
	if p == pairLiteral {
		e.str(r.Kind)
		e.str(r.FeatureSet)
	}
	if p == pairLiteral || reasonPairs[p].rule {
		e.str(r.RuleID)
	}
	e.float(code, arg)
	if (p == pairLiteral || reasonPairs[p].carry) && !consent.Scope(r.FeatureSet).IsFeatureSet() {
		e.strs(r.Evidence)
	}
}

func decodeReason(d *decoder) Reason {
	h := d.byte()
	p, code := int(h>>4), int(h&0xf)
	var r Reason
	switch {
	case p == pairLiteral:
		r.Kind, r.FeatureSet, r.RuleID = d.str(), d.str(), d.str()
	case p < len(reasonPairs):
		r.Kind, r.FeatureSet = reasonPairs[p].kind, reasonPairs[p].set
		if reasonPairs[p].rule {
			r.RuleID = d.str()
		}
	default:
		d.fail()
		return r
	}
	r.Contribution = d.float(code, p)
	if (p == pairLiteral || reasonPairs[p].carry) && !consent.Scope(r.FeatureSet).IsFeatureSet() {
		r.Evidence = d.strs()
	}
	return r
}

// Personalization is written as its level, then either 1 + 2·codes, where
// codes holds for each of recordSets, three bits each, 0 when it was used
// or 1 + its position in withheldReasons, when used and withheld sets are
// exactly recordSets in that order (every answer's are); or 0 and the
// lists themselves.
var withheldReasons = []string{consent.ReasonNoRecord, consent.ReasonDenied, consent.ReasonExpired,
	consent.ReasonReconsentNeeded, consent.ReasonGPC, "not_read"}

func encodePersonalization(e *encoder, p *Personalization) {
	e.str(p.Level)
	if codes, ok := packPersonalization(p); ok {
		e.uvarint(codes<<1 | 1)
		return
	}
	e.uvarint(0)
	e.strs(p.UsedSets)
	e.count(len(p.Withheld))
	for _, w := range p.Withheld {
		e.str(w.Set)
		e.str(w.Reason)
	}
}

// packPersonalization returns the codes of p; ok is false when p is not
// exactly what they stand for.
func packPersonalization(p *Personalization) (codes uint64, ok bool) {
	for i, set := range recordSets {
		code := uint64(0)
		if !slices.Contains(p.UsedSets, string(set)) {
			k := slices.IndexFunc(p.Withheld, func(w Withheld) bool { return w.Set == string(set) })
			if k < 0 {
				return 0, false
			}
			r := slices.Index(withheldReasons, p.Withheld[k].Reason)
			if r < 0 {
				return 0, false
			}
			code = uint64(r + 1)
		}
		codes |= code << (3 * i)
	}
	back := unpackPersonalization(p.Level, codes)
	return codes, slices.Equal(back.UsedSets, p.UsedSets) && slices.Equal(back.Withheld, p.Withheld)
}

func unpackPersonalization(level string, codes uint64) Personalization {
	p := Personalization{Level: level, UsedSets: []string{}, Withheld: []Withheld{}}
	for i, set := range recordSets {
		switch code := codes >> (3 * i) & 7; {
		case code == 0:
			p.UsedSets = append(p.UsedSets, string(set))
		case int(code) <= len(withheldReasons):
			p.Withheld = append(p.Withheld, Withheld{Set: string(set), Reason: withheldReasons[code-1]})
		}
	}
	return p
}

func decodePersonalization(d *decoder) Personalization {
	level := d.str()
	if v := d.uvarint(); v&1 == 1 {
		if v>>1 >= 1<<(3*len(recordSets)) {
			d.fail()
		}
		return unpackPersonalization(level, v>>1)
	}
	p := Personalization{Level: level, UsedSets: d.strs(), Withheld: make([]Withheld, d.count())}
	if p.UsedSets == nil {
		p.UsedSets = []string{}
	}
	for i := range p.Withheld {
		p.Withheld[i] = Withheld{Set: d.str(), Reason: d.str()}
	}
	return p
}

// encodeShort writes a shortfall; its message is made again from the
// counts and the catalog size it names.
func encodeShort(e *encoder, sh *Shortfall) {
	e.count(sh.Requested)
	e.count(sh.Returned)
	e.uvarint(uint64(sh.catalogSize))
	e.count(len(sh.Excluded))
	for _, why := range slices.Sorted(maps.Keys(sh.Excluded)) {
		e.str(why)
		e.count(sh.Excluded[why])
	}
}

func decodeShort(d *decoder) *Shortfall {
	sh := &Shortfall{Requested: int(d.uvarint()), Returned: int(d.uvarint()), catalogSize: int(d.uvarint())}
	n := d.count()
	sh.Excluded = make(map[string]int, n)
	for range n {
		why := d.str()
		sh.Excluded[why] = int(d.uvarint())
	}
	if d.err == nil {
		sh.Message = sh.message(sh.catalogSize)
	}
	return sh
}

// heldLists is the evidence of one feature set's reasons in a record: each
// distinct ID once, sorted (so that neighbours share their prefixes); per
// reason how many IDs it names; then the positions of those IDs in that
// order, each in as few bits as the number of IDs needs, packed most
// significant bit first and padded to a byte.
type heldLists struct {
	lists [][]string
}

// add adds one reason's evidence; false when it names an ID twice.
func (h *heldLists) add(evidence []string) bool {
	sorted := slices.Clone(evidence)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(evidence) {
		return false
	}
	h.lists = append(h.lists, evidence)
	return true
}

func (h *heldLists) encode() []byte {
	var ids []string
	for _, l := range h.lists {
		ids = append(ids, l...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
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
			k, _ := slices.BinarySearch(ids, id)
			acc = acc<<w | uint64(k)
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

// decodeCompact makes the answer stored in body again, for customerID,
// with the titles and categories of cat and the evidence still held.
func decodeCompact(p parsed, customerID string, cat *catalog.Snapshot) (*Response, error) {
	d := &decoder{b: p.body}
	r := &Response{DecisionID: p.id, CustomerID: customerID, Time: p.time.Format(time.RFC3339Nano)}
	r.ModelVersion = d.str()
	r.RulesetVersion = int(d.varint())
	r.Placement = d.str()
	flags := d.uvarint()
	r.Fallback = Fallback{Active: flags&flagFallback != 0, Reason: d.str()}
	r.Personalization = decodePersonalization(d)
	if flags&flagWarnings != 0 {
		r.Warnings = d.strs()
	}
	if flags&flagShort != 0 {
		r.Short = decodeShort(d)
	}
	r.Items = make([]Item, d.count())
	personal := map[consent.Scope][]*Reason{}
	for i := range r.Items {
		it := &r.Items[i]
		it.ItemID = d.str()
		it.Reasons = make([]Reason, d.count())
		for j := range it.Reasons {
			rs := &it.Reasons[j]
			*rs = decodeReason(d)
			if set := consent.Scope(rs.FeatureSet); set.IsFeatureSet() {
				personal[set] = append(personal[set], rs)
			}
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorrupt
	}
	if err := restoreHeld(p, personal); err != nil {
		return nil, err
	}
	x := &explainer{cat: cat, items: len(r.Items)}
	for i := range r.Items {
		explainStored(x, &r.Items[i])
		if math.IsInf(r.Items[i].Score, 0) {
			return nil, errCorrupt
		}
	}
	return r, nil
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

// explainStored fills what a stored item does not keep: title and
// category from the catalog, reason texts, controls, and the score as
// the sum of the reasons in order.
func explainStored(x *explainer, it *Item) {
	top, hide := "", ""
	if ci, ok := x.cat.Get(it.ItemID); ok {
		it.Title, it.Category, top = ci.Title, ci.Category, ci.TopCategory()
		hide = HideLabel(top)
	} else {
		it.Title, it.Category = it.ItemID, []string{}
	}
	it.Score = 0
	for j := range it.Reasons {
		r := &it.Reasons[j]
		if !r.EvidenceDeleted {
			r.Text = sentence(r.Kind, r.Evidence, x.cat)
		}
		it.Score += r.Contribution
	}
	it.Controls = x.controls(it.ItemID, top, hide, it.Reasons)
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
