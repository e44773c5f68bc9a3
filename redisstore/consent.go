package redisstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

var _ consent.Store = (*Store)(nil)

// Meta fields of the consent hash, beside one field per scope: the log
// head and its seq; the customer's consent level as counted in the
// shared count per level (consent.RecordedLevel, written by
// consent_put.lua); and the hour (since the Unix epoch) the customer was
// last shown a personalized answer, as counted in the hourly trust totals
// (trust.CustomersShown, written by decision_append.lua). Both counted
// values live in the customer's own keys, so erasure takes them with the
// rest and tells the counts to forget the customer.
const (
	fieldHead  = "_head"
	fieldSeq   = "_seq"
	fieldLevel = "_level"
	fieldShown = "_shown"
)

// Records returns the stored consent records, the log head and its seq.
// Malformed records are left out, so they count as no record.
func (s *Store) Records(ctx context.Context, id string) (map[consent.Scope]consent.Record, string, int64, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.consent(id)).Result()
	if err != nil {
		return nil, "", 0, translate("redisstore.Records", err)
	}
	recs := recordsOf(m)
	head := m[fieldHead]
	if head == "" {
		head = consent.GenesisHash
	}
	seq, _ := strconv.ParseInt(m[fieldSeq], 10, 64)
	return recs, head, seq, nil
}

// recordsOf decodes a consent hash; malformed records are left out.
func recordsOf(m map[string]string) map[consent.Scope]consent.Record {
	recs := make(map[consent.Scope]consent.Record, len(m))
	for f, v := range m {
		sc := consent.Scope(f)
		if !sc.Valid() {
			continue
		}
		if r, err := consent.DecodeRecord(sc, v); err == nil {
			recs[sc] = r
		}
	}
	return recs
}

// Append runs the consent_put script: records, log entries and purges in
// one atomic step, guarded by the expected log head. Whatever purge says,
// a feature set an entry denies loses its evidence in every stored
// decision in that same step (its sections of every record, and the
// evidence hash of records from before; see decisions.go): a decision
// never repeats what the customer withdrew. Before it goes, the script
// looks whether that evidence includes a decision of the last
// consent.ShownWindow; those sets are returned. The customer's level is
// kept in the consent hash in that step too; the shared count per level
// (another slot on Redis Cluster) moves right after, by what the script
// says the level was (see moveLevel).
func (s *Store) Append(ctx context.Context, id, expectedHead string, entries []consent.Entry, purge []consent.Scope, level string) (bool, []consent.Scope, error) {
	if len(entries) == 0 {
		return true, nil, nil
	}
	keys := []string{s.keys.consent(id), s.keys.consentLog(id), s.keys.decisions(id)}
	for _, set := range purge {
		keys = append(keys, s.keys.featureSet(id, string(set)), s.keys.eventIDs(id, string(set)), s.keys.packedSet(id, string(set)))
	}
	first := len(keys) + 1 // Lua counts KEYS from 1
	var strip []byte
	var denied []consent.Scope
	for _, e := range entries {
		if tag, ok := recommend.EvidenceTag(e.Record.Scope); ok && e.Record.State == consent.Denied {
			keys = append(keys, s.keys.evidence(id, e.Record.Scope))
			strip = append(strip, tag)
			denied = append(denied, e.Record.Scope)
		}
	}
	if expectedHead == consent.GenesisHash {
		expectedHead = ""
	}
	args := []any{expectedHead, entries[0].Seq, len(entries)}
	for _, e := range entries {
		args = append(args, string(e.Record.Scope), consent.EncodeRecord(e.Record), e.Prev, e.Hash)
	}
	args = append(args, strip, first, consent.ShownWindow.Milliseconds(), level)
	res, err := scriptConsentPut.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return false, nil, translate("redisstore.Append", err)
	}
	if len(res) < 2 {
		return false, nil, candor.Wrap("redisstore.Append", candor.Errorf(candor.EInternal, "consent_put returned %d values", len(res)))
	}
	ok, _ := res[0].(int64)
	if ok == 1 && len(res) == 4 {
		if was, _ := res[3].(string); was != level && level != "" {
			s.moveLevel(ctx, was, level)
		}
	}
	var shown []consent.Scope
	if len(res) >= 3 {
		flags, _ := res[2].([]any)
		for i, f := range flags {
			if n, _ := f.(int64); n == 1 && i < len(denied) {
				shown = append(shown, denied[i])
			}
		}
	}
	return ok == 1, shown, nil
}

// Log returns the consent log, oldest first. An entry whose record does not
// parse keeps its scope and hashes and an empty record, so VerifyChain
// reports it instead of the read failing.
// The log is a LIST, or a STREAM written by versions before
// (lua/consent_log.lua).
func (s *Store) Log(ctx context.Context, id string) ([]consent.Entry, error) {
	raw, err := scriptConsentLog.Run(ctx, s.rdb, []string{s.keys.consentLog(id)}).StringSlice()
	if err != nil {
		return nil, translate("redisstore.Log", err)
	}
	out := make([]consent.Entry, len(raw))
	for i, r := range raw {
		out[i] = entryOf(r)
	}
	return out, nil
}

// entryOf decodes a log entry, `seq \n scope \n record \n prev \n hash`;
// one of another shape is an empty entry, which VerifyChain reports.
func entryOf(raw string) consent.Entry {
	f := strings.Split(raw, "\n")
	if len(f) != 5 {
		return consent.Entry{}
	}
	seq, _ := strconv.ParseInt(f[0], 10, 64)
	sc := consent.Scope(f[1])
	rec, err := consent.DecodeRecord(sc, f[2])
	if err != nil {
		rec = consent.Record{Scope: sc}
	}
	return consent.Entry{Seq: seq, Record: rec, Prev: f[3], Hash: f[4]}
}
