package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
)

// Decision records of the JSON format from before kept their personal
// evidence in one HASH per feature set: stream entry ID → that set's
// evidence (see recommend.JoinEvidence). Nothing writes them any more;
// they are read with their records, deleted by a withdrawal of their set
// (see Append) and by erasure (customerKeys), and expire with the records.

// evidenceOf reads the evidence every feature set still holds for the
// decision stored at stream entry sid.
func (s *Store) evidenceOf(ctx context.Context, customerID, sid string) (map[string][]byte, error) {
	cmds := make([]*redis.StringCmd, len(consent.FeatureSets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, set := range consent.FeatureSets {
			cmds[i] = p.HGet(ctx, s.keys.evidence(customerID, set), sid)
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, err
	}
	out := map[string][]byte{}
	for i, set := range consent.FeatureSets {
		if v, err := cmds[i].Result(); err == nil {
			out[string(set)] = []byte(v)
		}
	}
	return out, nil
}

// evidenceByEntry reads every evidence hash of a customer: stream entry
// ID → set → evidence, for the export.
func (s *Store) evidenceByEntry(ctx context.Context, customerID string) (map[string]map[string][]byte, error) {
	cmds := make([]*redis.MapStringStringCmd, len(consent.FeatureSets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, set := range consent.FeatureSets {
			cmds[i] = p.HGetAll(ctx, s.keys.evidence(customerID, set))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]byte{}
	for i, set := range consent.FeatureSets {
		for sid, v := range cmds[i].Val() {
			if out[sid] == nil {
				out[sid] = map[string][]byte{}
			}
			out[sid][string(set)] = []byte(v)
		}
	}
	return out, nil
}
