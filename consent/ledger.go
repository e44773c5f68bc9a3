package consent

import (
	"crypto/sha256"
	"encoding/hex"
)

// GenesisHash is the Prev of the first entry of every consent log: 64 zeros,
// so that every Prev is a 64-digit hex string.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one change in a customer's append-only consent log. Each entry is
// chained to the one before it by hash, so editing, inserting or removing an
// entry in the middle breaks the chain from that entry on. Seq numbers the
// entries for display and paging; it is not covered by the hash.
type Entry struct {
	Seq    int64
	Record Record
	Prev   string // Hash of the previous entry, GenesisHash for the first
	Hash   string // ChainHash(Prev, Record)
}

// ChainHash returns the lowercase hex SHA-256 of
//
//	prev + "\n" + scope + "\n" + EncodeRecord(r)
//
// Neither a valid scope nor an encoded record can contain a newline, so the
// serialization is unambiguous for records that pass Validate.
func ChainHash(prev string, r Record) string {
	sum := sha256.Sum256([]byte(prev + "\n" + string(r.Scope) + "\n" + EncodeRecord(r)))
	return hex.EncodeToString(sum[:])
}

// Chain returns the log entries that append records to a log whose last
// entry has hash prev (GenesisHash for an empty log), numbered from seq.
func Chain(prev string, seq int64, records []Record) []Entry {
	entries := make([]Entry, len(records))
	for i, r := range records {
		h := ChainHash(prev, r)
		entries[i] = Entry{Seq: seq + int64(i), Record: r, Prev: prev, Hash: h}
		prev = h
	}
	return entries
}

// VerifyChain checks a whole log, first entry first: each entry's Prev must
// be the previous entry's Hash (GenesisHash for the first), its Record must
// pass Validate, and its Hash must be ChainHash(Prev, Record). It returns
// (true, -1) for a sound log, including an empty one, else false and the
// index of the first entry that fails. It never panics, whatever the input.
func VerifyChain(entries []Entry) (ok bool, firstBad int) {
	prev := GenesisHash
	for i, e := range entries {
		if e.Prev != prev || e.Record.Validate() != nil || e.Hash != ChainHash(e.Prev, e.Record) {
			return false, i
		}
		prev = e.Hash
	}
	return true, -1
}

// Replay folds a log into the stored records it produces: the last record
// per scope wins. It does not verify the chain; call VerifyChain for that.
func Replay(entries []Entry) map[Scope]Record {
	records := make(map[Scope]Record)
	for _, e := range entries {
		records[e.Record.Scope] = e.Record
	}
	return records
}
