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

// countResponses adds one HINCRBY per action and event type to p for the
// impressions and clicks among evs. The counters are totals over all
// customers and name no one, so erasure leaves them alone.
func (s *Store) countResponses(ctx context.Context, p redis.Pipeliner, evs []features.Routed) {
	n := map[string]int64{}
	for i := range evs {
		ev := &evs[i]
		if ev.Action != "" && (ev.Event == features.Impression || ev.Event == features.Click) {
			n[string(ev.Event)+":"+ev.Action]++
		}
	}
	for field, by := range n {
		p.HIncrBy(ctx, s.keys.actionResponses(), field, by)
	}
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
