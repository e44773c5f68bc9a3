package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/rules"
)

var _ rules.Store = (*Store)(nil)

var scriptRulesPublish = plain("rules_publish.lua")

// Keys of one ruleset, beside the shared <ns>:audit stream.
func (k keys) ruleset(name string) string       { return k.shared() + ":rules:" + name }
func (k keys) rulesDraft(name string) string    { return k.ruleset(name) + ":draft" }    // STRING: JSON
func (k keys) rulesVersions(name string) string { return k.ruleset(name) + ":versions" } // HASH: version -> JSON
func (k keys) rulesLive(name string) string     { return k.ruleset(name) + ":live" }     // STRING: version

// auditKindRules marks the rules' entries in the shared audit stream.
const auditKindRules = "rules"

// RulesetDraft implements rules.Store.
func (s *Store) RulesetDraft(ctx context.Context, name string) (rules.Ruleset, error) {
	b, err := s.rdb.Get(ctx, s.keys.rulesDraft(name)).Bytes()
	if errors.Is(err, redis.Nil) {
		return rules.Ruleset{}, candor.Errorf(candor.ENotFound, "Ruleset %s has no draft.", name)
	}
	if err != nil {
		return rules.Ruleset{}, translate("redisstore.RulesetDraft", err)
	}
	return decodeStored[rules.Ruleset]("redisstore.RulesetDraft", b)
}

// PutRulesetDraft implements rules.Store.
func (s *Store) PutRulesetDraft(ctx context.Context, rs rules.Ruleset) error {
	b, err := json.Marshal(rs)
	if err != nil {
		return candor.Wrap("redisstore.PutRulesetDraft", err)
	}
	return translate("redisstore.PutRulesetDraft", s.rdb.Set(ctx, s.keys.rulesDraft(rs.Name), b, 0).Err())
}

// PublishRuleset implements rules.Store with one script (lua/rules_publish.lua)
// that also publishes TopicRules, so a version never goes live unannounced.
// The ruleset's keys and the audit stream share the {shared} hash tag, so
// the script runs on Redis Cluster too.
func (s *Store) PublishRuleset(ctx context.Context, rs rules.Ruleset, e rules.AuditEntry) error {
	const op = "redisstore.PublishRuleset"
	body, err := json.Marshal(rs)
	if err != nil {
		return candor.Wrap(op, err)
	}
	entry, err := json.Marshal(e)
	if err != nil {
		return candor.Wrap(op, err)
	}
	ks := []string{s.keys.rulesVersions(rs.Name), s.keys.rulesLive(rs.Name), s.keys.audit()}
	res, err := scriptRulesPublish.Run(ctx, s.rdb, ks, rs.Version, body, rs.Name, entry, s.keys.events(), TopicRules).Slice()
	if err != nil {
		return translate(op, err)
	}
	if len(res) != 2 {
		return &candor.Error{Code: candor.EInternal, Op: op, Err: errors.New("unexpected script reply")}
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return candor.Errorf(candor.EConflict, "Ruleset %s is at version %v now, so version %d cannot be published; reload and try again.", rs.Name, res[1], rs.Version)
	}
	return nil
}

// LiveRuleset implements rules.Store.
func (s *Store) LiveRuleset(ctx context.Context, name string) (rules.Ruleset, error) {
	n, err := s.rdb.Get(ctx, s.keys.rulesLive(name)).Int()
	if errors.Is(err, redis.Nil) {
		return rules.Ruleset{}, candor.Errorf(candor.ENotFound, "Ruleset %s has no published version.", name)
	}
	if err != nil {
		return rules.Ruleset{}, translate("redisstore.LiveRuleset", err)
	}
	return s.RulesetVersion(ctx, name, n)
}

// RulesetVersion implements rules.Store.
func (s *Store) RulesetVersion(ctx context.Context, name string, n int) (rules.Ruleset, error) {
	b, err := s.rdb.HGet(ctx, s.keys.rulesVersions(name), strconv.Itoa(n)).Bytes()
	if errors.Is(err, redis.Nil) {
		return rules.Ruleset{}, candor.Errorf(candor.ENotFound, "Ruleset %s has no version %d.", name, n)
	}
	if err != nil {
		return rules.Ruleset{}, translate("redisstore.RulesetVersion", err)
	}
	return decodeStored[rules.Ruleset]("redisstore.RulesetVersion", b)
}

// RulesetVersions implements rules.Store.
func (s *Store) RulesetVersions(ctx context.Context, name string) ([]rules.Ruleset, error) {
	const op = "redisstore.RulesetVersions"
	m, err := s.rdb.HGetAll(ctx, s.keys.rulesVersions(name)).Result()
	if err != nil {
		return nil, translate(op, err)
	}
	out := make([]rules.Ruleset, 0, len(m))
	for _, v := range m {
		rs, err := decodeStored[rules.Ruleset](op, []byte(v))
		if err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	slices.SortFunc(out, func(a, b rules.Ruleset) int { return a.Version - b.Version })
	return out, nil
}

// RulesAudit implements rules.Store. The audit stream is shared with other
// kinds of entries, which it skips.
func (s *Store) RulesAudit(ctx context.Context, limit int) ([]rules.AuditEntry, error) {
	return readAudit(ctx, s, "redisstore.RulesAudit", auditKindRules, limit, func(e *rules.AuditEntry, id string) { e.ID = id })
}
