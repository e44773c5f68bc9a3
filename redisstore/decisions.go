package redisstore

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/recommend"
)

var _ recommend.DecisionStore = (*Store)(nil)

// Decision records (recommend.EncodeRecord) live in one LIST per customer,
// newest first, under the customer's hash tag, and anonymous visitors'
// in one shared LIST; a key holding one record holds it as a STRING
// (lua/decision_append.lua says why; lua/decisions_read.lua reads
// either); each record holds its personal evidence in sections
// that a withdrawal strips (lua/consent_put.lua). Records of the JSON
// format from before live in STREAMs at the old names, their evidence in
// HASHes (evidence.go): they are read, and reached by withdrawal and
// erasure, until they expire; nothing writes them any more.

var (
	scriptDecisionAppend = hot(plain("decision_append.lua"))
	scriptDecisionsRead  = plain("decisions_read.lua")
)

// legacyScan is the most JSON records one lookup reads from a legacy
// stream (the old anonymous cap).
const legacyScan = 10000

// page is how many records one LRANGE of a lookup reads: every record of
// a customer at the default cap, the newest of the anonymous list.
const page = 500

// AppendDecisions writes decision records in one pipeline of one script
// call per record (lua/decision_append.lua): the record at the head of its
// customer's list (or the anonymous one), its evidence only under the
// consent head it was made under, the list trimmed to ret's count and
// age and expiring after ret.Keep. A call refused with NOSCRIPT wrote
// nothing and is sent again once the scripts are loaded. A personalized
// record moves its customer to the record's hour in the count of
// customers per latest personalized hour (trust.CustomersShown), once
// the pipeline is done (see moveShown).
func (s *Store) AppendDecisions(ctx context.Context, recs []recommend.DecisionRecord, ret recommend.Retention) error {
	b := newAppendBatch(ret.WithDefaults())
	cmds := make([]*redis.Cmd, len(recs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range recs {
			cmds[i] = scriptDecisionAppend.evalSha(ctx, p, s.decisionKeys(&recs[i]), b.args(&recs[i]))
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		err = s.retryDecisions(ctx, recs, cmds, b)
	}
	s.moveShown(ctx, shownMoves(cmds))
	return translate("redisstore.AppendDecisions", err)
}

// shownMoves sums what the appends report of their customers' latest
// personalized hour (see unpackShown) into deltas per hour.
func shownMoves(cmds []*redis.Cmd) map[int64]int64 {
	var deltas map[int64]int64
	for _, c := range cmds {
		n, err := c.Int64()
		if err != nil {
			continue
		}
		_, from, to := unpackShown(n)
		if to < 0 {
			continue
		}
		if deltas == nil {
			deltas = map[int64]int64{}
		}
		deltas[to]++
		if from >= 0 {
			deltas[from]--
		}
	}
	return deltas
}

// shownBase is the factor decision_append.lua packs its answer with.
const shownBase = 1 << 22

// unpackShown splits decision_append.lua's answer, written + 2·(from + 1)
// + 2·shownBase·(to + 1) (one integer: the reply then costs one
// allocation, not an array's five), into written (1 when the evidence was
// written or there was none) and the hours (since the Unix epoch) _shown
// moved from and to (-1: it was unset; to -1: it did not move). Hours
// stay under shownBase until the year 2448.
func unpackShown(n int64) (written bool, from, to int64) {
	written = n%2 == 1
	n /= 2
	return written, n%shownBase - 1, n/shownBase - 1
}

// appendBatch holds the arguments of decision_append.lua that a batch's
// records share, and boxes each once: go-redis writes what a pointer
// points to, so a record's arguments cost no allocation of their own.
type appendBatch struct {
	oldest     string
	most, anon int // records kept a customer, anonymous records kept
	keepMillis int64
}

func newAppendBatch(ret recommend.Retention) *appendBatch {
	return &appendBatch{oldest: strconv.FormatInt(time.Now().Add(-ret.Keep).UnixMilli(), 10), most: ret.PerCustomer, anon: ret.Anonymous, keepMillis: ret.Keep.Milliseconds()}
}

// The last argument of decision_append.lua: whether the answer was
// personalized, boxed once.
var (
	argPersonal any = "1"
	argNot      any = ""
)

// args returns the arguments of r's append (see lua/decision_append.lua).
func (b *appendBatch) args(r *recommend.DecisionRecord) []any {
	if r.CustomerID == "" {
		return []any{&b.oldest, &b.anon, &b.keepMillis, (*recordArg)(r), argNot, argNot, argNot}
	}
	personal := argNot
	if r.Personalized {
		personal = argPersonal
	}
	return []any{&b.oldest, &b.most, &b.keepMillis, (*recordArg)(r), (*evidenceArg)(r), &r.ConsentHead, personal}
}

// recordArg and evidenceArg hand go-redis a queued record's bytes, and
// its evidence's, through a pointer to the record.
type (
	recordArg   recommend.DecisionRecord
	evidenceArg recommend.DecisionRecord
)

func (r *recordArg) MarshalBinary() ([]byte, error)   { return r.Record, nil }
func (r *evidenceArg) MarshalBinary() ([]byte, error) { return r.Evidence, nil }

// decisionKeys returns the keys of r's append: its customer's decisions
// list and consent hash (decisionSuffixes), or the anonymous list.
func (s *Store) decisionKeys(r *recommend.DecisionRecord) []string {
	if r.CustomerID == "" {
		return []string{s.keys.anonDecisions()}
	}
	return decisionSuffixes.cut(s.keys, r.CustomerID)
}

// decisionSuffixes are a customer's keys of decision_append.lua.
var decisionSuffixes = suffixesOf(keys{}.decisions(""), keys{}.consent(""))

// retryDecisions sends again, with the scripts loaded, the appends that
// failed with NOSCRIPT (they wrote nothing); cmds[i] belongs to recs[i].
func (s *Store) retryDecisions(ctx context.Context, recs []recommend.DecisionRecord, cmds []*redis.Cmd, b *appendBatch) error {
	if err := s.LoadScripts(ctx); err != nil {
		return err
	}
	for i, c := range cmds {
		if c == nil || !isNoScript(c.Err()) {
			continue
		}
		cmds[i] = scriptDecisionAppend.run(ctx, s.rdb, s.decisionKeys(&recs[i]), b.args(&recs[i])...)
		if err := cmds[i].Err(); err != nil {
			return err
		}
	}
	return nil
}

// Decision finds one decision record of a customer ("" = anonymous) among
// that customer's records, newest first, with the evidence still held.
func (s *Store) Decision(ctx context.Context, customerID, id string) (recommend.DecisionRecord, error) {
	key := s.keys.decisions(customerID)
	if customerID == "" {
		key = s.keys.anonDecisions()
	}
	for start := int64(0); ; start += page {
		recs, err := s.heldRecords(ctx, key, start, start+page-1)
		if err != nil {
			return recommend.DecisionRecord{}, translate("redisstore.Decision", err)
		}
		for _, r := range recs {
			if got, ok := recommend.RecordID([]byte(r)); ok && got == id {
				return recommend.DecisionRecord{ID: id, CustomerID: customerID, Record: []byte(r)}, nil
			}
		}
		if len(recs) < page {
			break
		}
	}
	return s.legacyDecision(ctx, customerID, id)
}

// legacyDecision finds a JSON record from before the compact format.
func (s *Store) legacyDecision(ctx context.Context, customerID, id string) (recommend.DecisionRecord, error) {
	key := s.keys.legacyDecisions(customerID)
	if customerID == "" {
		key = s.keys.legacyAnonDecisions()
	}
	msgs, err := s.rdb.XRevRangeN(ctx, key, "+", "-", legacyScan).Result()
	if err != nil {
		return recommend.DecisionRecord{}, translate("redisstore.Decision", err)
	}
	for _, m := range msgs {
		if m.Values["id"] == id {
			d, _ := m.Values["d"].(string)
			rec := recommend.DecisionRecord{ID: id, CustomerID: customerID, Record: []byte(d), Legacy: map[string][]byte{}}
			if customerID != "" {
				rec.Legacy, err = s.evidenceOf(ctx, customerID, m.ID)
			}
			return rec, translate("redisstore.Decision", err)
		}
	}
	return recommend.DecisionRecord{}, candor.Errorf(candor.ENotFound, "No decision %q for this customer (only the newest decisions are kept, for a limited time).", id)
}

// Decisions returns every decision record held for a customer, oldest
// first: those of the JSON format from before, then the compact ones.
// Both kinds are read in one round trip (a pipeline; the compact ones
// again through EVAL if Redis forgot the script).
func (s *Store) Decisions(ctx context.Context, customerID string) ([]recommend.DecisionRecord, error) {
	key := s.keys.decisions(customerID)
	var held *redis.Cmd
	var legacy *redis.XMessageSliceCmd
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		held = scriptDecisionsRead.EvalSha(ctx, p, []string{key}, 0, -1)
		legacy = p.XRange(ctx, s.keys.legacyDecisions(customerID), "-", "+")
		return nil
	})
	list, err := held.StringSlice()
	if isNoScript(err) {
		list, err = s.heldRecords(ctx, key, 0, -1)
	}
	if err != nil {
		return nil, translate("redisstore.Decisions", err)
	}
	msgs, err := legacy.Result()
	if err != nil {
		return nil, translate("redisstore.Decisions", err)
	}
	var out []recommend.DecisionRecord
	if len(msgs) > 0 {
		ev, err := s.evidenceByEntry(ctx, customerID)
		if err != nil {
			return nil, translate("redisstore.Decisions", err)
		}
		for _, m := range msgs {
			id, _ := m.Values["id"].(string)
			d, _ := m.Values["d"].(string)
			held := ev[m.ID]
			if held == nil {
				held = map[string][]byte{}
			}
			out = append(out, recommend.DecisionRecord{ID: id, CustomerID: customerID, Record: []byte(d), Legacy: held})
		}
	}
	for _, r := range slices.Backward(list) {
		id, _ := recommend.RecordID([]byte(r))
		out = append(out, recommend.DecisionRecord{ID: id, CustomerID: customerID, Record: []byte(r)})
	}
	return out, nil
}

// heldRecords reads records start to stop (newest first, counted as
// LRANGE counts) of a decisions key, a LIST or a STRING holding a lone
// record (lua/decisions_read.lua).
func (s *Store) heldRecords(ctx context.Context, key string, start, stop int64) ([]string, error) {
	return scriptDecisionsRead.Run(ctx, s.rdb, []string{key}, start, stop).StringSlice()
}

// DeleteDecisions removes a customer's decision records and their
// evidence. Erasure deletes them in its atomic script; this is the later
// sweep for a record that was already on its way from a writer's queue
// when the erasure ran.
func (s *Store) DeleteDecisions(ctx context.Context, customerID string) error {
	keys := append([]string{s.keys.decisions(customerID), s.keys.legacyDecisions(customerID)}, s.keys.evidenceKeys(customerID)...)
	return translate("redisstore.DeleteDecisions", s.rdb.Del(ctx, keys...).Err())
}
