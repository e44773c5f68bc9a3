package redisstore

import (
	"context"
)

// Topics announced on the <ns>:events channel so that every replica reloads
// what changed.
const (
	TopicKeys    = "keys"
	TopicModel   = "model"
	TopicRules   = "rules"
	TopicActions = "actions"
	TopicCatalog = "catalog"
	// TopicErased prefixes "erased:<unix ms>:<customer id>": a customer was
	// erased, so every replica drops the decision records of that
	// customer it still has queued.
	TopicErased = "erased:"
)

// Publish announces that topic changed.
func (s *Store) Publish(ctx context.Context, topic string) error {
	return translate("redisstore.Publish", s.rdb.Publish(ctx, s.keys.events(), topic).Err())
}

// Subscribe calls fn with each announced topic until ctx ends. go-redis
// reconnects the subscription by itself after a connection loss; callers
// should also reload on a timer, since a notice sent while disconnected is
// lost.
func (s *Store) Subscribe(ctx context.Context, fn func(topic string)) {
	ps := s.rdb.Subscribe(ctx, s.keys.events())
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			fn(m.Payload)
		}
	}
}
