package redisstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// ReadState is the consent-gated read: in one round trip (one EVALSHA over
// keys that share the customer's hash tag) it reads the consent hash,
// evaluates it in Lua, and reads only the granted feature sets, plus
// feedback and contacts; of each interaction set only the o.Recent most
// recent items with their scores, and of purchases the older item IDs
// bare (State.Older), so they are still excluded. The Go side evaluates the
// returned consent again with consent.Evaluate and keeps a set only if both
// agree it is granted.
func (s *Store) ReadState(ctx context.Context, customerID string, req consent.Request, o features.ReadOptions) (*features.State, error) {
	keys, args := s.readCall(customerID, req, o)
	res, err := scriptReadState.run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, translate("redisstore.ReadState", err)
	}
	if len(res) != 6 {
		return nil, candor.Wrap("redisstore.ReadState", candor.Errorf(candor.EInternal, "read_state returned %d parts", len(res)))
	}
	return s.decodeState(customerID, req, res, o.Recent)
}

// readCall builds the keys and arguments of the gated read of one customer.
// It runs on every recommendation, so the keys are cut from one string, the
// per-request arguments share one allocation (readArgs) and the per-set
// arguments are built once.
func (s *Store) readCall(customerID string, req consent.Request, o features.ReadOptions) ([]string, []any) {
	keys := readSuffixes.cut(s.keys, customerID)
	ra := &readArgs{sets: len(consent.FeatureSets), recent: max(o.Recent, 0)}
	ra.now, ra.policy, ra.maxAge, ra.gpc = consentValues(req)
	args := make([]any, 0, 6+len(readSetArgs))
	args = append(append(args, &ra.now, &ra.policy, &ra.maxAge, &ra.gpc, &ra.sets, &ra.recent), readSetArgs...)
	return keys, args
}

// readArgs holds the gated read's arguments that change per request
// (consentArgs' four, the count of sets, how many recent items): the
// read passes pointers into it, which go-redis writes as the values
// they point to, so the six cost one allocation instead of one each.
type readArgs struct {
	now, maxAge  int64
	policy, gpc  string
	sets, recent int
}

// readSuffixes are the keys of the gated read after the customer's prefix,
// in the script's KEYS order: consent, feedback, contacts, one per feature
// set, then one per feature set for its packed copy (a profile set has
// none, and the script never touches it).
var readSuffixes = func() keySuffixes {
	k := keys{}
	names := []string{k.consent(""), k.feedback(""), k.contacts("")}
	for _, set := range consent.FeatureSets {
		names = append(names, k.featureSet("", string(set)))
	}
	for _, set := range consent.FeatureSets {
		names = append(names, k.packedSet("", string(set)))
	}
	return suffixesOf(names...)
}()

// readSetArgs are the per-set arguments of the gated read: scope name and
// kind ("z" sorted set, "x" sorted set whose older members are read too,
// "h" hash) for every feature set. Purchases are "x": a bought item is
// never recommended again, however long ago it was bought.
var readSetArgs = func() []any {
	var out []any
	for _, set := range consent.FeatureSets {
		kind := "z"
		switch {
		case features.KindOf(set) == features.Profile:
			kind = "h"
		case set == consent.Purchases:
			kind = "x"
		}
		out = append(out, string(set), kind)
	}
	return out
}()

// ScanStates runs the gated read over every customer that has a consent
// record, batch customers per pipeline, and calls fn with each state. It is
// how training reads the store: only what each customer grants now. On
// Redis Cluster it scans every master.
func (s *Store) ScanStates(ctx context.Context, req consent.Request, fn func(*features.State) error) error {
	if err := s.LoadScripts(ctx); err != nil {
		return err
	}
	var batch []string
	err := s.scanKeys(ctx, s.keys.ns+":{c:*}:consent", func(key string) error {
		batch = append(batch, customerOfConsentKey(key))
		if len(batch) < 200 {
			return nil
		}
		err := s.readBatch(ctx, batch, req, fn)
		batch = batch[:0]
		return err
	})
	if err != nil {
		return translate("redisstore.ScanStates", err)
	}
	return s.readBatch(ctx, batch, req, fn)
}

func customerOfConsentKey(k string) string {
	open, end := strings.Index(k, "{c:"), strings.Index(k, "}:consent")
	if open < 0 || end < open {
		return ""
	}
	return k[open+3 : end]
}

func (s *Store) readBatch(ctx context.Context, ids []string, req consent.Request, fn func(*features.State) error) error {
	cmds := make([]*redis.Cmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			keys, args := s.readCall(id, req, features.ReadOptions{})
			cmds[i] = scriptReadState.evalSha(ctx, p, keys, args)
		}
		return nil
	})
	if err != nil {
		return translate("redisstore.ScanStates", err)
	}
	for i, c := range cmds {
		res, err := c.Slice()
		if err != nil || len(res) != 6 {
			return translate("redisstore.ScanStates", err)
		}
		st, _ := s.decodeState(ids[i], req, res, 0)
		if err := fn(st); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) decodeState(id string, req consent.Request, res []any, recent int) (*features.State, error) {
	st := &features.State{CustomerID: id, Interactions: map[consent.Scope][]features.Interaction{}}
	packedConsent, _ := res[0].(string)
	fields := splitPairs(packedConsent)
	st.Decision = consent.Evaluate(decodeConsent(fields), req)
	st.ConsentHead = fields[fieldHead]
	grant := st.Decision.Grant()
	packed, _ := res[2].([]any)
	for i, set := range consent.FeatureSets {
		if i >= len(packed) || !grant.Has(set) {
			continue
		}
		data, ok := packed[i].(string)
		if !ok {
			continue // Lua did not read it (it judged the set not granted)
		}
		s.decodeSet(st, set, data, recent)
	}
	feedback, _ := res[3].(string)
	st.Feedback = splitPairs(feedback)
	contacts, _ := res[4].(string)
	st.Contacts = decodeContacts(contacts)
	if older, _ := res[5].(string); older != "" && grant.Has(consent.Purchases) {
		st.Older = append(st.Older, strings.Split(older, "\n")...)
	}
	return st, nil
}

// decodeConsent turns the consent hash's fields into records. A malformed
// record is left out, so it counts as no record (fail closed).
func decodeConsent(fields map[string]string) map[consent.Scope]consent.Record {
	recs := make(map[consent.Scope]consent.Record, len(fields))
	for f, val := range fields {
		sc := consent.Scope(f)
		if !sc.Valid() {
			continue
		}
		if r, err := consent.DecodeRecord(sc, val); err == nil {
			recs[sc] = r
		}
	}
	return recs
}

func (s *Store) decodeSet(st *features.State, set consent.Scope, data string, recent int) {
	if data == "" && features.KindOf(set) == features.Profile {
		return // granted, but nothing stated
	}
	if features.KindOf(set) == features.Profile {
		features.SetProfile(st, set, splitPairs(data))
		return
	}
	if !strings.HasPrefix(data, "\n") {
		st.Interactions[set] = decodeInteractions(data)
		return
	}
	all := decodePacked(data)
	cut := 0
	if recent > 0 {
		cut = max(len(all)-recent, 0)
	}
	if set == consent.Purchases { // what read_state.lua's 'x' kind reads bare
		for _, x := range all[:cut] {
			st.Older = append(st.Older, x.Item)
		}
	}
	st.Interactions[set] = all[cut:]
}

// decodeInteractions parses "member\nscore\n..." from ZRANGE WITHSCORES,
// oldest first, without building an intermediate slice of strings.
func decodeInteractions(data string) []features.Interaction {
	if data == "" {
		return []features.Interaction{}
	}
	out := make([]features.Interaction, 0, strings.Count(data, "\n")/2+1)
	for data != "" {
		member, rest, _ := strings.Cut(data, "\n")
		score, rest2, _ := strings.Cut(rest, "\n")
		data = rest2
		f, err := strconv.ParseFloat(score, 64)
		if err != nil {
			continue
		}
		out = append(out, features.InteractionOf(member, f))
	}
	return out
}

// decodePacked parses a packed copy ("\nmember\tscore" per member, in no
// order; see ingest.lua) into the order ZRANGE gives: by score, then by
// member. The copy is nearly in that order already (changed members move
// to its end), which the sort is quick on.
func decodePacked(data string) []features.Interaction {
	out := make([]features.Interaction, 0, strings.Count(data, "\n"))
	for data != "" {
		entry := data[1:] // past the entry's '\n'
		if i := strings.IndexByte(entry, '\n'); i >= 0 {
			entry, data = entry[:i], entry[i:]
		} else {
			data = ""
		}
		member, score, _ := strings.Cut(entry, "\t")
		f, err := parseScore(score)
		if err != nil || member == "" {
			continue // not an entry ingest.lua writes
		}
		out = append(out, features.InteractionOf(member, f))
	}
	// ZRANGE's order: a packed score orders as (last, rating, count)
	slices.SortFunc(out, func(a, b features.Interaction) int {
		if c := a.Last.Compare(b.Last); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Rating, b.Rating); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Count, b.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Item, b.Item)
	})
	return out
}

// parseScore reads a packed score: an integer as ingest.lua writes it, or a
// float as Redis may write one (1.5e+15).
func parseScore(s string) (float64, error) {
	if len(s) == 0 || len(s) > 16 {
		return strconv.ParseFloat(s, 64)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return strconv.ParseFloat(s, 64)
		}
		n = n*10 + int64(d)
	}
	if n >= 1<<53 { // past exact integers: as ParseFloat rounds
		return strconv.ParseFloat(s, 64)
	}
	return float64(n), nil
}

func splitPairs(data string) map[string]string {
	m := map[string]string{}
	for data != "" {
		k, rest, _ := strings.Cut(data, "\n")
		v, rest2, _ := strings.Cut(rest, "\n")
		m[k], data = v, rest2
	}
	return m
}

// decodeContacts parses "member\nscore\n..." of the contacts ZSET.
func decodeContacts(data string) []features.Contact {
	out := make([]features.Contact, 0, strings.Count(data, "\n")/2+1)
	for data != "" {
		m, rest, _ := strings.Cut(data, "\n")
		sc, rest2, _ := strings.Cut(rest, "\n")
		data = rest2
		sec, err := strconv.ParseFloat(sc, 64)
		if err != nil {
			continue
		}
		out = append(out, features.Contact{Member: m, Time: time.Unix(int64(sec), 0).UTC()})
	}
	return out
}
