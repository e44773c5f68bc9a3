package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var (
	_ actions.Store     = (*Store)(nil)
	_ actions.Deliverer = (*Store)(nil)
)

// Keys of the action catalog, beside the shared <ns>:audit stream. They
// are built here rather than in keys.go only to keep this change in one
// file; they follow the same scheme.
func (k keys) actionsDraft() string    { return k.shared() + ":actions:draft" }    // STRING: JSON
func (k keys) actionsVersions() string { return k.shared() + ":actions:versions" } // HASH: version -> JSON
func (k keys) actionsLive() string     { return k.shared() + ":actions:live" }     // STRING: version
func (k keys) actionResponses() string { return k.ns + ":actions:responses" }      // HASH: "<event>:<action>" -> count; written alone, so no hash tag

// auditKindActions marks the action catalog's entries in the shared audit
// stream.
const auditKindActions = "actions"

// deliverRetries bounds how often Deliver retries after a concurrent
// change of the customer's contacts.
const deliverRetries = 50

// ActionsDraft implements actions.Store.
func (s *Store) ActionsDraft(ctx context.Context) (actions.Catalog, error) {
	b, err := s.rdb.Get(ctx, s.keys.actionsDraft()).Bytes()
	if errors.Is(err, redis.Nil) {
		return actions.Catalog{}, candor.Errorf(candor.ENotFound, "The action catalog has no draft.")
	}
	if err != nil {
		return actions.Catalog{}, translate("redisstore.ActionsDraft", err)
	}
	return decodeStored[actions.Catalog]("redisstore.ActionsDraft", b)
}

// PutActionsDraft implements actions.Store.
func (s *Store) PutActionsDraft(ctx context.Context, c actions.Catalog) error {
	b, err := json.Marshal(c)
	if err != nil {
		return candor.Wrap("redisstore.PutActionsDraft", err)
	}
	return translate("redisstore.PutActionsDraft", s.rdb.Set(ctx, s.keys.actionsDraft(), b, 0).Err())
}

// errVersionMoved aborts a publish whose version is not the next one.
var errVersionMoved = errors.New("version moved")

// PublishActions implements actions.Store with an optimistic transaction
// (WATCH the versions hash, then MULTI: HSET, SET, XADD, PUBLISH), so a
// version never goes live unannounced and of two concurrent publishes
// exactly one wins.
func (s *Store) PublishActions(ctx context.Context, c actions.Catalog, e actions.AuditEntry) error {
	const op = "redisstore.PublishActions"
	body, err := json.Marshal(c)
	if err != nil {
		return candor.Wrap(op, err)
	}
	entry, err := json.Marshal(e)
	if err != nil {
		return candor.Wrap(op, err)
	}
	var have int64
	err = s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		if have, err = tx.HLen(ctx, s.keys.actionsVersions()).Result(); err != nil {
			return err
		}
		if have != int64(c.Version-1) {
			return errVersionMoved
		}
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, s.keys.actionsVersions(), strconv.Itoa(c.Version), body)
			p.Set(ctx, s.keys.actionsLive(), c.Version, 0)
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.audit(), Values: []any{"kind", auditKindActions, "entry", entry}})
			p.Publish(ctx, s.keys.events(), TopicActions)
			return nil
		})
		return err
	}, s.keys.actionsVersions())
	switch {
	case errors.Is(err, errVersionMoved), errors.Is(err, redis.TxFailedErr):
		return candor.Errorf(candor.EConflict, "The action catalog is at version %d now, so version %d cannot be published; reload and try again.", have, c.Version)
	case err != nil:
		return translate(op, err)
	}
	return nil
}

// LiveActions implements actions.Store.
func (s *Store) LiveActions(ctx context.Context) (actions.Catalog, error) {
	n, err := s.rdb.Get(ctx, s.keys.actionsLive()).Int()
	if errors.Is(err, redis.Nil) {
		return actions.Catalog{}, candor.Errorf(candor.ENotFound, "The action catalog has no published version.")
	}
	if err != nil {
		return actions.Catalog{}, translate("redisstore.LiveActions", err)
	}
	return s.ActionsVersion(ctx, n)
}

// ActionsVersion implements actions.Store.
func (s *Store) ActionsVersion(ctx context.Context, n int) (actions.Catalog, error) {
	b, err := s.rdb.HGet(ctx, s.keys.actionsVersions(), strconv.Itoa(n)).Bytes()
	if errors.Is(err, redis.Nil) {
		return actions.Catalog{}, candor.Errorf(candor.ENotFound, "The action catalog has no version %d.", n)
	}
	if err != nil {
		return actions.Catalog{}, translate("redisstore.ActionsVersion", err)
	}
	return decodeStored[actions.Catalog]("redisstore.ActionsVersion", b)
}

// ActionsVersions implements actions.Store.
func (s *Store) ActionsVersions(ctx context.Context) ([]actions.Catalog, error) {
	const op = "redisstore.ActionsVersions"
	m, err := s.rdb.HGetAll(ctx, s.keys.actionsVersions()).Result()
	if err != nil {
		return nil, translate(op, err)
	}
	out := make([]actions.Catalog, 0, len(m))
	for _, v := range m {
		c, err := decodeStored[actions.Catalog](op, []byte(v))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b actions.Catalog) int { return a.Version - b.Version })
	return out, nil
}

// ActionsAudit implements actions.Store. The audit stream is shared with
// the rulesets' entries, which it skips.
func (s *Store) ActionsAudit(ctx context.Context, limit int) ([]actions.AuditEntry, error) {
	return readAudit(ctx, s, "redisstore.ActionsAudit", auditKindActions, limit, func(e *actions.AuditEntry, id string) { e.ID = id })
}

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
