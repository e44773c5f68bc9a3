package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var _ actions.Deliverer = (*Store)(nil)

// deliverRetries bounds how often Deliver retries after a concurrent
// change of the customer's contacts.
const deliverRetries = 50

// errNotAllowed aborts a delivery that allow refused.
var errNotAllowed = errors.New("not allowed")

// Deliver implements actions.Deliverer with an optimistic transaction on
// the customer's consent and contacts: WATCH both, read both, evaluate the
// consent for req, ask decide, then MULTI ZADD of the member it names
// (score: Unix seconds, as ingestion writes), EXPIRE, and count the
// impression in the action's response totals. A change by anyone else in
// between (a withdrawal, an erasure, another delivery, an ingested
// impression) aborts the write, and it reads and decides again, up to
// deliverRetries times: a delivery is never recorded against consent
// older than the write, and never brings back an erased customer's keys.
func (s *Store) Deliver(ctx context.Context, customerID, action string, t time.Time, req consent.Request, decide func(consent.Decision, []features.Contact) (member, reason string)) (string, error) {
	const op = "redisstore.Deliver"
	ckey, key := s.keys.consent(customerID), s.keys.contacts(customerID)
	var reason string
	for range deliverRetries {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			recs, err := tx.HGetAll(ctx, ckey).Result()
			if err != nil {
				return err
			}
			zs, err := tx.ZRangeWithScores(ctx, key, 0, -1).Result()
			if err != nil {
				return err
			}
			var member string
			if member, reason = decide(consent.Evaluate(recordsOf(recs), req), contactsOf(zs)); reason != "" {
				return errNotAllowed
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.ZAdd(ctx, key, redis.Z{Score: float64(t.Unix()), Member: member})
				p.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(t.Add(-features.ContactLookback).Unix(), 10))
				p.Expire(ctx, key, contactsTTL*time.Second)
				return nil
			})
			return err
		}, ckey, key)
		switch {
		case errors.Is(err, errNotAllowed):
			return reason, nil
		case errors.Is(err, redis.TxFailedErr):
			continue
		case err != nil:
			return "", translate(op, err)
		}
		// the totals are another key (another slot on a cluster): counted
		// after the delivery, as ingestion counts after its script
		_ = s.rdb.HIncrBy(ctx, s.keys.actionResponses(), fieldImpressions+action, 1).Err()
		return "", nil
	}
	return "", &candor.Error{Code: candor.EConflict, Message: "Too many concurrent deliveries to this customer; try again.", Op: op}
}

// contactsOf turns ZRANGE WITHSCORES replies into contacts.
func contactsOf(zs []redis.Z) []features.Contact {
	out := make([]features.Contact, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		out = append(out, features.Contact{Member: m, Time: time.Unix(int64(z.Score), 0).UTC()})
	}
	return out
}
