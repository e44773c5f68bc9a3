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
// whose feature set is granted at this moment; the rest leave no trace. All
// customers' scripts go in one pipeline. It returns, per event in input
// order, "" when stored or the consent reason it was dropped for.
func (s *Store) Ingest(ctx context.Context, evs []features.Routed, req consent.Request, ret features.Retention) ([]string, error) {
	groups, order := groupByCustomer(evs)
	cmds := make([]*redis.Cmd, len(order))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for gi, id := range order {
			keys, args := s.ingestCall(id, evs, groups[id], req, ret)
			cmds[gi] = scriptIngest.EvalSha(ctx, p, keys, args...)
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		if lerr := s.LoadScripts(ctx); lerr != nil {
			return nil, lerr
		}
		return s.Ingest(ctx, evs, req, ret)
	}
	if err != nil {
		return nil, translate("redisstore.Ingest", err)
	}
	out := make([]string, len(evs))
	fresh := make([]bool, len(evs)) // contacts stored for the first time
	for gi, id := range order {
		res, err := cmds[gi].StringSlice()
		if err != nil || len(res) != len(groups[id]) {
			return nil, candor.Wrap("redisstore.Ingest", candor.Errorf(candor.EInternal, "ingest script answered %d of %d events: %v", len(res), len(groups[id]), err))
		}
		for j, ei := range groups[id] {
			out[ei], fresh[ei] = res[j], res[j] == ""
			if res[j] == "=" {
				out[ei] = ""
			}
		}
	}
	s.countResponses(ctx, evs, fresh)
	return out, nil
}

func (s *Store) ingestCall(id string, evs []features.Routed, idx []int, req consent.Request, ret features.Retention) ([]string, []any) {
	keys := []string{s.keys.consent(id), s.keys.contacts(id)}
	args := append(consentArgs(req), 0, contactsTTL, len(ingestSets))
	for _, set := range ingestSets {
		keys = append(keys, s.keys.featureSet(id, string(set)))
		args = append(args, string(set), seconds(ret.TTLOf(set)), ret.CapOf(set))
	}
	for _, i := range idx {
		ev := &evs[i]
		args = append(args, setIndex(ev.Set), ev.Member, ev.Time.Unix(), features.RatingCode(ev.Rating))
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
	return err != nil && len(err.Error()) >= 8 && err.Error()[:8] == "NOSCRIPT"
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
