package redisstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var scriptErase = plain("erase.lua")

// Erase deletes every key of the customer atomically and keeps only an
// erasure record under a salted hash of the ID (no personal data). It
// returns how many keys of each kind were deleted. The customer's level
// and latest personalized hour, read in that step, then leave the shared
// counts of customers.
func (s *Store) Erase(ctx context.Context, id string, now time.Time) (map[string]int, error) {
	var keys, kinds []string
	byKind := s.keys.customerKeys(id)
	for _, kind := range sortedKinds(byKind) {
		for _, k := range byKind[kind] {
			keys, kinds = append(keys, k), append(kinds, kind)
		}
	}
	args := make([]any, len(kinds), len(kinds)+3)
	for i, k := range kinds {
		args[i] = k
	}
	args = append(args, slices.Index(keys, s.keys.consent(id))+1, fieldLevel, fieldShown)
	res, err := scriptErase.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, translate("redisstore.Erase", err)
	}
	var deleted, read []any
	if len(res) == 2 {
		deleted, _ = res[0].([]any)
		read, _ = res[1].([]any)
	}
	counts := map[string]int{}
	for i := 0; i+1 < len(deleted); i += 2 {
		k, _ := deleted[i].(string)
		n, _ := deleted[i+1].(int64)
		counts[k] = int(n)
	}
	if len(read) == 2 {
		if level, _ := read[0].(string); level != "" {
			s.moveLevel(ctx, level, "")
		}
		if v, _ := read[1].(string); v != "" {
			h, _ := strconv.ParseInt(v, 10, 64)
			s.moveShown(ctx, map[int64]int64{h: -1})
		}
	}
	return counts, s.recordErasure(ctx, id, now, counts)
}

func sortedKinds(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// recordErasure keeps proof of the erasure: salted hash → time and counts.
func (s *Store) recordErasure(ctx context.Context, id string, now time.Time, counts map[string]int) error {
	h, err := s.ErasureHash(ctx, id)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"erased_at": now.UTC(), "deleted": counts})
	return translate("redisstore.recordErasure", s.rdb.HSet(ctx, s.keys.erasures(), h, b).Err())
}

// ErasureHash returns the salted SHA-256 under which an erasure of id is
// recorded. The salt is made once per namespace.
func (s *Store) ErasureHash(ctx context.Context, id string) (string, error) {
	salt, err := s.secret(ctx, s.keys.erasureSalt())
	if err != nil {
		return "", translate("redisstore.ErasureHash", err)
	}
	sum := sha256.Sum256([]byte(salt + "\n" + id))
	return hex.EncodeToString(sum[:]), nil
}

// secret returns the random secret kept at key, made on first use (the
// first writer wins) and never changed; it is cached once read.
func (s *Store) secret(ctx context.Context, key string) (string, error) {
	if v, ok := s.secrets.Load(key); ok {
		return v.(string), nil
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	if err := s.rdb.SetNX(ctx, key, hex.EncodeToString(b), 0).Err(); err != nil {
		return "", err
	}
	v, err := s.rdb.Get(ctx, key).Result()
	if err != nil {
		return "", err
	}
	s.secrets.Store(key, v)
	return v, nil
}

// Erased returns the erasure record of id, or not_found.
func (s *Store) Erased(ctx context.Context, id string) (string, error) {
	h, err := s.ErasureHash(ctx, id)
	if err != nil {
		return "", err
	}
	v, err := s.rdb.HGet(ctx, s.keys.erasures(), h).Result()
	return v, translate("redisstore.Erased", err)
}

// Allow counts one use of a rate-limited action by a customer and reports
// whether it is within limit uses per window. The counter survives the
// customer's erasure (it is not one of the customer's keys) and names the
// customer only by an HMAC-SHA256 under a per-namespace secret; it
// expires one window after its first use.
func (s *Store) Allow(ctx context.Context, id, action string, limit int, window time.Duration) (bool, error) {
	secret, err := s.secret(ctx, s.keys.rateLimitKey())
	if err != nil {
		return false, translate("redisstore.Allow", err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(action + "\n" + id))
	key := s.keys.rateLimit(hex.EncodeToString(mac.Sum(nil)), action)
	var incr *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, key)
		p.ExpireNX(ctx, key, window)
		return nil
	})
	if err != nil {
		return false, translate("redisstore.Allow", err)
	}
	return incr.Val() <= int64(limit), nil
}

// Feedback kinds stored in the feedback hash as "<prefix><value>".
const (
	fbNotInterested = "ni:"
	fbHideCategory  = "hc:"
	fbWrongReason   = "wr:"
)

// feedbackTTL is how long feedback is kept after its last change.
const feedbackTTL = 730 * 24 * time.Hour

// AddFeedback records a customer's feedback. remove_from_history deletes
// the item from every interaction set at once.
func (s *Store) AddFeedback(ctx context.Context, id string, fb features.Feedback, now time.Time) error {
	key := s.keys.feedback(id)
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		switch fb.Kind {
		case features.NotInterested:
			p.HSet(ctx, key, fbNotInterested+fb.ItemID, ms)
		case features.HideCategory:
			p.HSet(ctx, key, fbHideCategory+fb.Category, ms)
		case features.WrongReason:
			p.HSet(ctx, key, fbWrongReason+ms, fb.ItemID+"\n"+fb.Text)
		case features.RemoveFromHistory:
			for _, set := range ingestSets {
				p.ZRem(ctx, s.keys.featureSet(id, string(set)), fb.ItemID)
				p.Del(ctx, s.keys.packedSet(id, string(set))) // the next ingest packs it anew
			}
			return nil
		}
		p.Expire(ctx, key, feedbackTTL)
		return nil
	})
	return translate("redisstore.AddFeedback", err)
}

// ParseFeedback turns the stored feedback hash into its typed form.
func ParseFeedback(m map[string]string) features.FeedbackState {
	fs := features.FeedbackState{NotInterested: map[string]bool{}, HiddenCategories: map[string]bool{}}
	for k := range m {
		switch {
		case strings.HasPrefix(k, fbNotInterested):
			fs.NotInterested[k[len(fbNotInterested):]] = true
		case strings.HasPrefix(k, fbHideCategory):
			fs.HiddenCategories[k[len(fbHideCategory):]] = true
		}
	}
	return fs
}

// Export reads everything Candor holds about a customer, whatever the
// consent says: this is the customer's right of access, not personalization.
func (s *Store) Export(ctx context.Context, id string) (*features.Export, error) {
	ex := &features.Export{Sets: map[string]any{}}
	cmds := map[string]redis.Cmder{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, set := range consent.FeatureSets {
			key := s.keys.featureSet(id, string(set))
			if features.KindOf(set) == features.Profile {
				cmds[string(set)] = p.HGetAll(ctx, key)
			} else {
				cmds[string(set)] = p.ZRangeWithScores(ctx, key, 0, -1)
			}
		}
		cmds["feedback"] = p.HGetAll(ctx, s.keys.feedback(id))
		cmds["contacts"] = p.ZRangeWithScores(ctx, s.keys.contacts(id), 0, -1)
		return nil
	})
	if err != nil {
		return nil, translate("redisstore.Export", err)
	}
	fillExport(ex, cmds)
	return ex, nil
}

// fillExport fills ex from what Export read. Decisions are left empty:
// showing them needs the catalog (see recommend.Service.DecisionsOf,
// which rights.Service adds).
func fillExport(ex *features.Export, cmds map[string]redis.Cmder) {
	for _, set := range consent.FeatureSets {
		switch c := cmds[string(set)].(type) {
		case *redis.MapStringStringCmd:
			if len(c.Val()) > 0 {
				ex.Sets[string(set)] = features.ProfileOf(set, c.Val())
			}
		case *redis.ZSliceCmd:
			if len(c.Val()) > 0 {
				ex.Sets[string(set)] = interactionsOf(c.Val())
			}
		}
	}
	ex.Feedback = feedbackOf(cmds["feedback"].(*redis.MapStringStringCmd).Val())
	ex.Contacts = []features.ContactRecord{}
	for _, z := range cmds["contacts"].(*redis.ZSliceCmd).Val() {
		m, _ := z.Member.(string)
		if c, ok := features.ParseContact(features.Contact{Member: m, Time: time.Unix(int64(z.Score), 0).UTC()}); ok {
			ex.Contacts = append(ex.Contacts, c)
		}
	}
	ex.Decisions = []json.RawMessage{}
}

func interactionsOf(zs []redis.Z) []features.ExportedInteraction {
	out := make([]features.ExportedInteraction, len(zs))
	for i, z := range zs {
		m, _ := z.Member.(string)
		out[i] = features.ExportOf(features.InteractionOf(m, z.Score))
	}
	return out
}

// feedbackOf decodes the feedback hash (see AddFeedback) for the export,
// each kind oldest first.
func feedbackOf(m map[string]string) features.ExportedFeedback {
	out := features.NewExportedFeedback()
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch {
		case strings.HasPrefix(k, fbNotInterested):
			out.NotInterested = append(out.NotInterested, features.FeedbackNote{ItemID: k[len(fbNotInterested):], At: msTime(v)})
		case strings.HasPrefix(k, fbHideCategory):
			out.HiddenCategories = append(out.HiddenCategories, features.FeedbackNote{Category: k[len(fbHideCategory):], At: msTime(v)})
		case strings.HasPrefix(k, fbWrongReason):
			item, text, _ := strings.Cut(v, "\n")
			out.WrongReasons = append(out.WrongReasons, features.FeedbackNote{ItemID: item, Text: text, At: msTime(k[len(fbWrongReason):])})
		}
	}
	for _, notes := range [][]features.FeedbackNote{out.NotInterested, out.HiddenCategories, out.WrongReasons} {
		slices.SortStableFunc(notes, func(a, b features.FeedbackNote) int { return a.At.Compare(b.At) })
	}
	return out
}

// msTime reads a Unix-millisecond string; the zero time when malformed.
func msTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}
