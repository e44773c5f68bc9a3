package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/recommend"
)

// A decision's personal evidence lives apart from its record, one HASH
// per feature set (see recommend.SplitReasons and
// lua/decision_evidence.lua), so that withdrawing a set deletes its
// evidence from every stored decision in the consent script's atomic step
// (see Append) and erasure deletes all of it (customerKeys).

var scriptDecisionEvidence = plain("decision_evidence.lua")

// evidenceTrimAt is how many fields an evidence hash holds before those of
// records already trimmed from the decisions stream are removed.
const evidenceTrimAt = decisionsPerCustomer + decisionsPerCustomer/4

// evidence is the HASH of one feature set's evidence of a customer's
// decisions: stream entry ID → evidence.
func (k keys) evidence(id string, set consent.Scope) string {
	return k.customer(id) + ":evidence:" + string(set)
}

// evidenceKeys lists the evidence hashes of every feature set.
func (k keys) evidenceKeys(id string) []string {
	out := make([]string, 0, len(consent.FeatureSets))
	for _, set := range consent.FeatureSets {
		out = append(out, k.evidence(id, set))
	}
	return out
}

// appendEvidence queues the evidence script of r on p after its record's
// XADD, when r holds evidence, and returns calls with it.
func (s *Store) appendEvidence(ctx context.Context, p redis.Pipeliner, calls []*redis.Cmd, r *recommend.DecisionRecord, keep time.Duration) []*redis.Cmd {
	if r.CustomerID == "" || len(r.Evidence) == 0 {
		return append(calls, nil)
	}
	keys, args := s.evidenceCall(r, keep)
	return append(calls, scriptDecisionEvidence.EvalSha(ctx, p, keys, args...))
}

func (s *Store) evidenceCall(r *recommend.DecisionRecord, keep time.Duration) ([]string, []any) {
	keys := []string{s.keys.consent(r.CustomerID), s.keys.decisions(r.CustomerID)}
	args := []any{r.ConsentHead, r.ID, keep.Milliseconds(), evidenceTrimAt}
	for _, set := range consent.FeatureSets {
		if doc, ok := r.Evidence[string(set)]; ok {
			keys = append(keys, s.keys.evidence(r.CustomerID, set))
			args = append(args, doc)
		}
	}
	return keys, args
}

// retryEvidence runs again, with the scripts loaded, the evidence calls
// that failed with NOSCRIPT (they wrote nothing); calls[i] belongs to
// recs[i].
func (s *Store) retryEvidence(ctx context.Context, recs []recommend.DecisionRecord, calls []*redis.Cmd, keep time.Duration) error {
	if err := s.LoadScripts(ctx); err != nil {
		return err
	}
	for i, c := range calls {
		if c == nil || !isNoScript(c.Err()) {
			continue
		}
		keys, args := s.evidenceCall(&recs[i], keep)
		if err := scriptDecisionEvidence.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
			return err
		}
	}
	return nil
}

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
