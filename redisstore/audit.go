package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/versioned"
)

// auditPage is how many stream entries Audit reads at a time.
const auditPage = 200

// DocAudit implements versioned.Store: it pages back through the shared audit
// stream, keeping the entries of doc's kind (and name, when set). Entries
// of other kinds are skipped.
func (s *Store) DocAudit(ctx context.Context, doc versioned.Ref, limit int) ([]versioned.Record, error) {
	out := []versioned.Record{}
	end := "+"
	for len(out) < limit {
		msgs, err := s.rdb.XRevRangeN(ctx, s.keys.audit(), end, "-", auditPage).Result()
		if err != nil {
			return nil, translate("redisstore.Audit", err)
		}
		for _, m := range msgs {
			if r, ok := auditRecord(m, doc); ok && len(out) < limit {
				out = append(out, r)
			}
		}
		if len(msgs) < auditPage {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

// auditRecord returns m when it is an entry of doc. Rulesets published
// before the shared mechanism name themselves in a "ruleset" field.
func auditRecord(m redis.XMessage, doc versioned.Ref) (versioned.Record, bool) {
	body, _ := m.Values["entry"].(string)
	if m.Values["kind"] != doc.Kind || body == "" {
		return versioned.Record{}, false
	}
	name, ok := m.Values["name"].(string)
	if !ok {
		name, _ = m.Values["ruleset"].(string)
	}
	if doc.Name != "" && name != doc.Name {
		return versioned.Record{}, false
	}
	return versioned.Record{ID: m.ID, Entry: []byte(body)}, true
}
