package redisstore

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
)

// PutItems upserts items into the catalog hash in one MULTI/EXEC, so a batch
// is stored whole or not at all, and announces the change.
func (s *Store) PutItems(ctx context.Context, items []catalog.Item) error {
	if len(items) == 0 {
		return nil
	}
	if err := s.StoreItems(ctx, items); err != nil {
		return err
	}
	return s.AnnounceCatalog(ctx)
}

// StoreItems upserts items as PutItems does without announcing them: an
// import writes many batches and announces once (every server reloads the
// whole catalog on a notice).
func (s *Store) StoreItems(ctx context.Context, items []catalog.Item) error {
	if len(items) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(items))
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err != nil {
			return candor.Wrap("redisstore.StoreItems", err)
		}
		args = append(args, items[i].ID, b)
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keys.catalog(), args...)
		return nil
	})
	return translate("redisstore.StoreItems", err)
}

// AnnounceCatalog tells every server that the catalog changed.
func (s *Store) AnnounceCatalog(ctx context.Context) error { return s.Publish(ctx, TopicCatalog) }

// GetItem returns one catalog item or not_found.
func (s *Store) GetItem(ctx context.Context, id string) (catalog.Item, error) {
	b, err := s.rdb.HGet(ctx, s.keys.catalog(), id).Bytes()
	if err != nil {
		err = translate("redisstore.GetItem", err)
		if candor.ErrorCode(err) == candor.ENotFound {
			return catalog.Item{}, candor.Errorf(candor.ENotFound, "No catalog item with id %q.", id)
		}
		return catalog.Item{}, err
	}
	var it catalog.Item
	if err := json.Unmarshal(b, &it); err != nil {
		return catalog.Item{}, candor.Wrap("redisstore.GetItem", err)
	}
	return it, nil
}

// DeleteItem removes one item; not_found if it was not there.
func (s *Store) DeleteItem(ctx context.Context, id string) error {
	n, err := s.rdb.HDel(ctx, s.keys.catalog(), id).Result()
	if err != nil {
		return translate("redisstore.DeleteItem", err)
	}
	if n == 0 {
		return candor.Errorf(candor.ENotFound, "No catalog item with id %q.", id)
	}
	return s.Publish(ctx, TopicCatalog)
}

// Items returns the whole catalog, read with HSCAN so a large catalog does
// not block Redis. Entries that do not decode are skipped.
func (s *Store) Items(ctx context.Context) ([]catalog.Item, error) {
	var out []catalog.Item
	iter := s.rdb.HScan(ctx, s.keys.catalog(), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		if !iter.Next(ctx) {
			break
		}
		var it catalog.Item
		if json.Unmarshal([]byte(iter.Val()), &it) == nil {
			out = append(out, it)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, translate("redisstore.Items", err)
	}
	return out, nil
}
