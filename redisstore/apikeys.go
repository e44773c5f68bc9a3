package redisstore

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
)

var _ auth.KeyLister = (*Store)(nil)

// PutKey stores k under its hash and announces the change to every replica.
func (s *Store) PutKey(ctx context.Context, k auth.Key) error {
	b, err := json.Marshal(k)
	if err != nil {
		return candor.Wrap("redisstore.PutKey", err)
	}
	if err := s.rdb.HSet(ctx, s.keys.apiKeys(), k.Hash, b).Err(); err != nil {
		return translate("redisstore.PutKey", err)
	}
	return s.Publish(ctx, TopicKeys)
}

// ListKeys returns every stored key, oldest first. Entries that do not decode
// are skipped: a hand-edited hash must not lock everyone out.
func (s *Store) ListKeys(ctx context.Context) ([]auth.Key, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.apiKeys()).Result()
	if err != nil {
		return nil, translate("redisstore.ListKeys", err)
	}
	out := make([]auth.Key, 0, len(m))
	for h, v := range m {
		var k auth.Key
		if json.Unmarshal([]byte(v), &k) != nil || k.Hash != h {
			continue
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RevokeKey deletes the key with the given ID (or full hash). It returns
// not_found when no key matches.
func (s *Store) RevokeKey(ctx context.Context, id string) error {
	keys, err := s.ListKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == id || k.Hash == id {
			if err := s.rdb.HDel(ctx, s.keys.apiKeys(), k.Hash).Err(); err != nil {
				return translate("redisstore.RevokeKey", err)
			}
			return s.Publish(ctx, TopicKeys)
		}
	}
	return candor.Errorf(candor.ENotFound, "no API key with id %q", id)
}
