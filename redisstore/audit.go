package redisstore

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
)

// auditPage is how many stream entries readAudit reads at a time.
const auditPage = 200

// readAudit returns up to limit entries of one kind from the shared audit
// stream, newest first, each decoded from its JSON "entry" field and given
// the stream ID by withID. Entries of other kinds, and entries that do not
// decode, are skipped.
func readAudit[T any](ctx context.Context, s *Store, op, kind string, limit int, withID func(*T, string)) ([]T, error) {
	out := []T{}
	end := "+"
	for len(out) < limit {
		msgs, err := s.rdb.XRevRangeN(ctx, s.keys.audit(), end, "-", auditPage).Result()
		if err != nil {
			return nil, translate(op, err)
		}
		for _, m := range msgs {
			if e, ok := decodeAuditEntry[T](m, kind); ok && len(out) < limit {
				withID(&e, m.ID)
				out = append(out, e)
			}
		}
		if len(msgs) < auditPage {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

func decodeAuditEntry[T any](m redis.XMessage, kind string) (T, bool) {
	var e T
	body, _ := m.Values["entry"].(string)
	if m.Values["kind"] != kind || json.Unmarshal([]byte(body), &e) != nil {
		return e, false
	}
	return e, true
}

// decodeStored decodes a JSON document Candor stored; one that does not
// decode is an internal error of op.
func decodeStored[T any](op string, b []byte) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		var zero T
		return zero, &candor.Error{Code: candor.EInternal, Op: op, Err: err}
	}
	return v, nil
}
