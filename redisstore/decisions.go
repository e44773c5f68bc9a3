package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

var _ recommend.DecisionStore = (*Store)(nil)

// Caps of the decision streams.
const (
	decisionsPerCustomer = 500
	decisionsAnonymous   = 10000
)

func (k keys) anonDecisions() string { return k.ns + ":decisions:anon" }

// AppendDecisions writes decision records in one pipeline of one script
// call per record (lua/decision_append.lua): per customer a capped STREAM
// under the customer's hash tag, trimmed to keep and expiring after it,
// with the record's personal evidence apart; anonymous decisions go to one
// capped shared stream. A call refused with NOSCRIPT wrote nothing and is
// sent again once the scripts are loaded.
func (s *Store) AppendDecisions(ctx context.Context, recs []recommend.DecisionRecord, keep time.Duration) error {
	minID := strconv.FormatInt(time.Now().Add(-keep).UnixMilli(), 10)
	cmds := make([]*redis.Cmd, len(recs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range recs {
			keys, args := s.decisionCall(&recs[i], minID, keep)
			cmds[i] = scriptDecisionAppend.EvalSha(ctx, p, keys, args...)
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		err = s.retryDecisions(ctx, recs, cmds, minID, keep)
	}
	return translate("redisstore.AppendDecisions", err)
}

// decisionCall builds the keys and arguments of one record's append.
func (s *Store) decisionCall(r *recommend.DecisionRecord, minID string, keep time.Duration) ([]string, []any) {
	if r.CustomerID == "" {
		return []string{s.keys.anonDecisions()}, []any{minID, decisionsAnonymous, keep.Milliseconds(), r.ID, r.Body, "", 0}
	}
	keys := []string{s.keys.decisions(r.CustomerID), s.keys.consent(r.CustomerID)}
	args := []any{minID, decisionsPerCustomer, keep.Milliseconds(), r.ID, r.Body, r.ConsentHead, evidenceTrimAt}
	for _, set := range consent.FeatureSets {
		if doc, ok := r.Evidence[string(set)]; ok {
			keys = append(keys, s.keys.evidence(r.CustomerID, set))
			args = append(args, doc)
		}
	}
	return keys, args
}

// retryDecisions sends again, with the scripts loaded, the appends that
// failed with NOSCRIPT (they wrote nothing); cmds[i] belongs to recs[i].
func (s *Store) retryDecisions(ctx context.Context, recs []recommend.DecisionRecord, cmds []*redis.Cmd, minID string, keep time.Duration) error {
	if err := s.LoadScripts(ctx); err != nil {
		return err
	}
	for i, c := range cmds {
		if c == nil || !isNoScript(c.Err()) {
			continue
		}
		keys, args := s.decisionCall(&recs[i], minID, keep)
		if err := scriptDecisionAppend.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
			return err
		}
	}
	return nil
}

// Decision finds one decision record of a customer ("" = anonymous) in
// that customer's stream, with the evidence still held for it.
func (s *Store) Decision(ctx context.Context, customerID, id string) (recommend.DecisionRecord, error) {
	key := s.keys.decisions(customerID)
	if customerID == "" {
		key = s.keys.anonDecisions()
	}
	msgs, err := s.rdb.XRevRangeN(ctx, key, "+", "-", decisionsAnonymous).Result()
	if err != nil {
		return recommend.DecisionRecord{}, translate("redisstore.Decision", err)
	}
	for _, m := range msgs {
		if m.Values["id"] == id {
			d, _ := m.Values["d"].(string)
			rec := recommend.DecisionRecord{ID: id, CustomerID: customerID, Body: []byte(d)}
			if customerID != "" {
				rec.Evidence, err = s.evidenceOf(ctx, customerID, m.ID)
			}
			return rec, translate("redisstore.Decision", err)
		}
	}
	return recommend.DecisionRecord{}, candor.Errorf(candor.ENotFound, "No decision %q for this customer (decisions are kept 30 days).", id)
}

// DeleteDecisions removes a customer's decision records and their
// evidence. Erasure deletes them in its atomic script; this is the later
// sweep for a record that was already on its way from a writer's queue
// when the erasure ran.
func (s *Store) DeleteDecisions(ctx context.Context, customerID string) error {
	keys := append([]string{s.keys.decisions(customerID)}, s.keys.evidenceKeys(customerID)...)
	return translate("redisstore.DeleteDecisions", s.rdb.Del(ctx, keys...).Err())
}
