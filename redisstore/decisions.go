package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/recommend"
)

var _ recommend.DecisionStore = (*Store)(nil)

// Caps of the decision streams.
const (
	decisionsPerCustomer = 500
	decisionsAnonymous   = 10000
)

func (k keys) anonDecisions() string { return k.ns + ":decisions:anon" }

// AppendDecisions writes decision records in one pipeline: per customer a
// capped STREAM under the customer's hash tag, trimmed to keep and expiring
// after it; anonymous decisions go to one capped shared stream.
func (s *Store) AppendDecisions(ctx context.Context, recs []recommend.DecisionRecord, keep time.Duration) error {
	minID := strconv.FormatInt(time.Now().Add(-keep).UnixMilli(), 10)
	var ev []*redis.Cmd // per record with evidence, its script call
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range recs {
			key, limit := s.keys.decisions(r.CustomerID), int64(decisionsPerCustomer)
			if r.CustomerID == "" {
				key, limit = s.keys.anonDecisions(), decisionsAnonymous
			}
			p.XAdd(ctx, &redis.XAddArgs{Stream: key, MinID: minID, Approx: true, Values: []any{"id", r.ID, "d", r.Body}})
			p.XTrimMaxLenApprox(ctx, key, limit, 0)
			p.Expire(ctx, key, keep)
			ev = s.appendEvidence(ctx, p, ev, &r, keep)
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		err = s.retryEvidence(ctx, recs, ev, keep)
	}
	return translate("redisstore.AppendDecisions", err)
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
