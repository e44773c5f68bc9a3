package redisstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/features"
)

var _ actions.ResponseSource = (*Store)(nil)

// Fields of the response counters hash: "<event>:<action id>".
const (
	fieldImpressions = "impression:"
	fieldClicks      = "click:"
)

// countResponses adds the impressions and clicks among evs that were
// stored for the first time (fresh) to the actions' response totals, one
// HINCRBY per action and event type in one pipeline. The totals are
// another key than the customer's (another slot on a cluster), so they
// are counted after the ingest script; a failure here loses counts, never
// events. They name no one, so erasure leaves them alone.
func (s *Store) countResponses(ctx context.Context, evs []features.Routed, fresh []bool) {
	n := map[string]int64{}
	for i := range evs {
		ev := &evs[i]
		if fresh[i] && ev.Action != "" && (ev.Event == features.Impression || ev.Event == features.Click) {
			n[string(ev.Event)+":"+ev.Action]++
		}
	}
	if len(n) == 0 {
		return
	}
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for field, by := range n {
			p.HIncrBy(ctx, s.keys.actionResponses(), field, by)
		}
		return nil
	})
}

// ActionResponses implements actions.ResponseSource: the impressions and
// clicks recorded through POST /v1/events, by action ID.
func (s *Store) ActionResponses(ctx context.Context) (map[string]actions.Observed, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.actionResponses()).Result()
	if err != nil {
		return nil, translate("redisstore.ActionResponses", err)
	}
	out := make(map[string]actions.Observed, len(m)/2)
	for field, v := range m {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		if id, ok := strings.CutPrefix(field, fieldImpressions); ok {
			o := out[id]
			o.Impressions = n
			out[id] = o
		} else if id, ok := strings.CutPrefix(field, fieldClicks); ok {
			o := out[id]
			o.Clicks = n
			out[id] = o
		}
	}
	return out, nil
}
