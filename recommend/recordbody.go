package recommend

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
)

// The body of a compact record (tagBody, see record.go):
//
//	model:str ruleset:varint placement:str flags:uvarint [trained]
//	fallback:str personalization [warnings:strs] [short] [numbered]
//	items:count item*
//	item     = id reasons:count reason*
//	trained  = kind:str second:uvarint digest:4, when flags say the model
//	           version is packed (model is then ""): the version
//	           registry.go makes, kind-YYYYMMDDTHHMMSS-digest in hex
//	numbered = prefix:str width:uvarint, when flags say the items' IDs
//	           are numbers (numericids.go); an id is then the difference
//	           from the item before as a varint (the first's from 0), and
//	           else a str
//
// (str, strs, count and the floats as codec.go writes them; warnings and
// short only when flags say so.)

// encodeBody writes r's body and adds the evidence of its personal reasons
// to held.
func encodeBody(e *encoder, r *Response, held *heldSets) error {
	trained, packed := packModelVersion(r.ModelVersion)
	var nums [16]uint64
	ids := numberedItems(r.Items, nums[:0])
	flags := bodyFlags(r)
	if packed {
		e.str("")
		flags |= flagModelPacked
	} else {
		e.str(r.ModelVersion)
	}
	if ids.ok {
		flags |= flagItemsNumbered
	}
	e.varint(int64(r.RulesetVersion))
	e.str(r.Placement)
	e.uvarint(flags)
	if packed {
		e.str(trained.kind)
		e.uvarint(trained.second)
		e.raw(trained.digest[:])
	}
	e.str(r.Fallback.Reason)
	encodePersonalization(e, &r.Personalization)
	if len(r.Warnings) > 0 {
		e.strs(r.Warnings)
	}
	if r.Short != nil {
		encodeShort(e, r.Short)
	}
	if ids.ok {
		e.str(ids.prefix)
		e.count(ids.width)
	}
	return encodeItems(e, r.Items, ids, held)
}

// bodyFlags are the flags of r's body other than those of its encoding.
func bodyFlags(r *Response) uint64 {
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
	return flags
}

// encodeItems writes items and adds the evidence of their personal reasons
// to held.
func encodeItems(e *encoder, items []Item, ids numbered, held *heldSets) error {
	e.count(len(items))
	for i := range items {
		it := &items[i]
		if ids.ok {
			e.varint(ids.delta(i))
		} else {
			e.str(it.ItemID)
		}
		e.count(len(it.Reasons))
		for j := range it.Reasons {
			rs := &it.Reasons[j]
			encodeReason(e, rs)
			set := consent.Scope(rs.FeatureSet)
			if !set.IsFeatureSet() {
				continue
			}
			tag, ok := EvidenceTag(set)
			if !ok {
				return candor.Errorf(candor.EInternal, "feature set %q has no evidence section", set)
			}
			if !held[tag-tagEvidence].add(rs.Evidence, rs.items) {
				return candor.Errorf(candor.EInternal, "a reason names evidence %v twice", rs.Evidence)
			}
		}
	}
	return nil
}

// Flags of a body.
const (
	flagFallback = 1 << iota
	flagWarnings
	flagShort
	flagModelPacked
	flagItemsNumbered
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
	{KindPinned, "rules", true, false}, {KindGoesWithCart, "context", false, true},
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
	u, w := 0, 0 // p must list its sets as unpackPersonalization does
	for i, set := range recordSets {
		if code := codes >> (3 * i) & 7; code == 0 {
			if u == len(p.UsedSets) || p.UsedSets[u] != string(set) {
				return 0, false
			}
			u++
		} else {
			if w == len(p.Withheld) || p.Withheld[w] != (Withheld{Set: string(set), Reason: withheldReasons[code-1]}) {
				return 0, false
			}
			w++
		}
	}
	return codes, u == len(p.UsedSets) && w == len(p.Withheld)
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

// decodeCompact makes the answer stored in body again, for customerID,
// with the titles and categories of cat and the evidence still held.
func decodeCompact(p parsed, customerID string, cat *catalog.Snapshot) (*Response, error) {
	d := &decoder{b: p.body}
	r := &Response{DecisionID: p.id, CustomerID: customerID, Time: p.time.Format(time.RFC3339Nano)}
	r.ModelVersion = d.str()
	if _, whole := parseModelVersion(r.ModelVersion); whole { // packed since the model kinds joined the dictionary
		d.base = legacyLiteralBase
	}
	r.RulesetVersion = int(d.varint())
	r.Placement = d.str()
	flags := d.uvarint()
	if flags >= flagItemsNumbered<<1 { // a flag this version does not know
		return nil, errCorrupt
	}
	if flags&flagModelPacked != 0 {
		if r.ModelVersion != "" {
			return nil, errCorrupt
		}
		r.ModelVersion = unpackModelVersion(d)
	}
	r.Fallback = Fallback{Active: flags&flagFallback != 0, Reason: d.str()}
	r.Personalization = decodePersonalization(d)
	if flags&flagWarnings != 0 {
		r.Warnings = d.strs()
	}
	if flags&flagShort != 0 {
		r.Short = decodeShort(d)
	}
	var ids numberReader
	if flags&flagItemsNumbered != 0 {
		ids = numberReader{prefix: d.str(), width: d.uvarint(), ok: true}
	}
	r.Items = make([]Item, d.count())
	personal := map[consent.Scope][]*Reason{}
	for i := range r.Items {
		it := &r.Items[i]
		it.ItemID = ids.next(d)
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
			r.Text = x.sentence(r.Kind, r.Evidence)
		}
		it.Score += r.Contribution
	}
	it.Controls = x.controls(it.ItemID, top, hide, it.Reasons)
}
