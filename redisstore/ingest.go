package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// ingestSets are the interaction sets the ingest script may write, in the
// order of its KEYS[3..].
var ingestSets = []consent.Scope{consent.Browsing, consent.Purchases, consent.Sensitive}

// contactsTTL bounds how long delivered actions are kept for contact caps.
const contactsTTL = 90 * 24 * 3600

// Ingest stores routed events under the collection-time gate: for each
// customer one Lua script checks the stored consent and writes only events
// whose feature set (or, for a contact, channel) is granted at this
// moment; the rest leave no trace. All customers' scripts go in one
// pipeline. It returns, per event in input order, "" when stored,
// features.StoredBefore when stored before (a repeated event ID, or a
// contact already recorded) or the consent reason it was dropped for.
//
// The scripts are not idempotent, so they are never retried blindly (the
// client has no retries, see Client): Ingest answers within the write
// timeout, and a script that Redis starts more than three quarters of it after it
// was sent does nothing (see lua/ingest.lua). So EUnavailable means "not
// stored, safe to retry"; with event IDs any retry is a no-op anyway.
func (s *Store) Ingest(ctx context.Context, evs []features.Routed, req consent.Request, ret features.Retention) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.writeTimeout)
	defer cancel()
	out, late, err := s.ingest(ctx, evs, req, ret)
	if err == nil && late && s.recalibrate(ctx) {
		// the scripts were judged late by a clock that has moved: they
		// wrote nothing, so the same events go again, once
		out, late, err = s.ingest(ctx, evs, req, ret)
	}
	if err == nil && late {
		err = candor.Errorf(candor.EUnavailable, "The data store was too slow; the events were not stored. Retrying is safe.")
	}
	return out, err
}

// ingest runs the batch once. late reports that a script started after
// the deadline; then nothing of its customer was written.
func (s *Store) ingest(ctx context.Context, evs []features.Routed, req consent.Request, ret features.Retention) ([]string, bool, error) {
	groups, order := groupByCustomer(evs)
	cmds := make([]*redis.Cmd, len(order))
	deadline := s.deadline()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for gi, id := range order {
			keys, args := s.ingestCall(id, evs, groups[id], req, ret, deadline)
			cmds[gi] = scriptIngest.EvalSha(ctx, p, keys, args...)
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		if lerr := s.LoadScripts(ctx); lerr != nil {
			return nil, false, lerr
		}
		return s.ingest(ctx, evs, req, ret)
	}
	if err != nil {
		return nil, false, translate("redisstore.Ingest", err)
	}
	out := make([]string, len(evs))
	fresh := make([]bool, len(evs)) // contacts stored for the first time
	late := false
	for gi, id := range order {
		res, err := cmds[gi].StringSlice()
		if len(res) == 1 && res[0] == "!late" {
			late = true
			continue
		}
		if err != nil || len(res) != len(groups[id]) {
			return nil, false, candor.Wrap("redisstore.Ingest", candor.Errorf(candor.EInternal, "ingest script answered %d of %d events: %v", len(res), len(groups[id]), err))
		}
		for j, ei := range groups[id] {
			out[ei], fresh[ei] = res[j], res[j] == "" // ingest.lua answers '=', features.StoredBefore, for a repeat
		}
	}
	s.countResponses(ctx, evs, fresh)
	return out, late, nil
}

func (s *Store) ingestCall(id string, evs []features.Routed, idx []int, req consent.Request, ret features.Retention, deadline int64) ([]string, []any) {
	keys := []string{s.keys.consent(id), s.keys.contacts(id), s.keys.contactIDs(id)}
	args := append(consentArgs(req), deadline, contactsTTL, ret.ContactCutoff(req.Now), len(ingestSets))
	for _, set := range ingestSets {
		keys = append(keys, s.keys.featureSet(id, string(set)), s.keys.eventIDs(id, string(set)), s.keys.packedSet(id, string(set)))
		args = append(args, string(set), seconds(ret.TTLOf(set)), ret.CapOf(set), ret.Cutoff(set, req.Now))
	}
	for _, i := range idx {
		ev := &evs[i]
		args = append(args, setIndex(ev.Set), ev.Member, ev.Time.Unix(), features.RatingCode(ev.Rating), string(ev.Channel), ev.EventID)
	}
	return keys, args
}

func setIndex(set consent.Scope) int {
	for i, s := range ingestSets {
		if s == set {
			return i + 1
		}
	}
	return 0
}

// groupByCustomer returns event indexes per customer and the customers in
// first-seen order.
func groupByCustomer(evs []features.Routed) (map[string][]int, []string) {
	groups := map[string][]int{}
	var order []string
	for i := range evs {
		id := evs[i].CustomerID
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], i)
	}
	return groups, order
}

func isNoScript(err error) bool {
	return redis.HasErrorPrefix(err, "NOSCRIPT")
}

// PutProfile replaces one profile feature set if its scope is granted now.
// It returns "" when stored, else the consent reason it was refused for.
func (s *Store) PutProfile(ctx context.Context, id string, set consent.Scope, fields map[string]string, req consent.Request, ret features.Retention) (string, error) {
	keys := []string{s.keys.consent(id), s.keys.featureSet(id, string(set))}
	args := append(consentArgs(req), string(set), seconds(ret.TTLOf(set)))
	for _, k := range sortedKeys(fields) {
		args = append(args, k, fields[k])
	}
	why, err := scriptPutProfile.Run(ctx, s.rdb, keys, args...).Text()
	if err != nil {
		return "", translate("redisstore.PutProfile", err)
	}
	return why, nil
}
