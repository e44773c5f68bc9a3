package redisstore

import (
	"strconv"
	"strings"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/versioned"
)

// keys builds every Redis key name Candor uses. All of one customer's keys
// share the hash tag {c:<id>} so that one Lua script may touch them all, on
// Redis Cluster too. Shared keys that one script or MULTI writes together
// (rulesets, the action catalog, models and the audit stream) share the
// hash tag {shared} for the same reason. Every other shared key is only
// ever touched alone, so it has no tag and may live on any node.
type keys struct{ ns string }

// shared prefixes the shared keys that are written together.
func (k keys) shared() string { return k.ns + ":{shared}" }

func (k keys) customer(id string) string { return k.ns + ":{c:" + id + "}" }

// Per-customer keys.
func (k keys) consent(id string) string    { return k.customer(id) + ":consent" }
func (k keys) consentLog(id string) string { return k.customer(id) + ":consent:log" }
func (k keys) featureSet(id, set string) string {
	return k.customer(id) + ":fs:" + set
}

// eventIDs indexes the event IDs stored in a feature set (see ingest.lua).
func (k keys) eventIDs(id, set string) string { return k.featureSet(id, set) + ":ids" }

// packedSet is an interaction set's packed copy (STRING), which the gated
// read returns in one piece; see lua/ingest.lua.
func (k keys) packedSet(id, set string) string { return packedOf(k.featureSet(id, set)) }

// packedOf is the packed copy's key of the interaction set key setKey.
func packedOf(setKey string) string        { return setKey + ":p" }
func (k keys) feedback(id string) string   { return k.customer(id) + ":feedback" }
func (k keys) contactIDs(id string) string { return k.contacts(id) + ":ids" }
func (k keys) contacts(id string) string   { return k.customer(id) + ":contacts" }

// Decision records (LISTs newest first, or a STRING while a key holds one;
// see decisions.go), a customer's and anonymous visitors'.
func (k keys) decisions(id string) string { return k.customer(id) + ":decisions:v2" }
func (k keys) anonDecisions() string      { return k.ns + ":decisions:anon:v2" }

// Decision records of the JSON format before (STREAMs), and their evidence
// per feature set (HASHes: stream entry ID → evidence); see evidence.go.
func (k keys) legacyDecisions(id string) string { return k.customer(id) + ":decisions" }
func (k keys) legacyAnonDecisions() string      { return k.ns + ":decisions:anon" }
func (k keys) evidence(id string, set consent.Scope) string {
	return k.customer(id) + ":evidence:" + string(set)
}

// evidenceKeys lists the legacy evidence hashes of every feature set.
func (k keys) evidenceKeys(id string) []string {
	out := make([]string, 0, len(consent.FeatureSets))
	for _, set := range consent.FeatureSets {
		out = append(out, k.evidence(id, set))
	}
	return out
}

// customerPattern matches every key of one customer, for erasure checks.
func (k keys) customerPattern(id string) string { return k.customer(id) + ":*" }

// Shared, non-personal keys.
func (k keys) apiKeys() string          { return k.ns + ":keys" }
func (k keys) catalog() string          { return k.ns + ":catalog" }
func (k keys) events() string           { return k.ns + ":events" }
func (k keys) audit() string            { return k.shared() + ":audit" }
func (k keys) customers() string        { return k.ns + ":customers" }
func (k keys) modelKey(v string) string { return k.shared() + ":model:" + v }

// Keys of one published document (a ruleset, the action catalog), beside
// the shared audit stream: <ns>:{shared}:<kind>[:<name>]:draft|versions|live.
func (k keys) document(d versioned.Ref) string {
	p := k.shared() + ":" + d.Kind
	if d.Name != "" {
		p += ":" + d.Name
	}
	return p
}
func (k keys) docDraft(d versioned.Ref) string    { return k.document(d) + ":draft" }    // STRING: JSON
func (k keys) docVersions(d versioned.Ref) string { return k.document(d) + ":versions" } // HASH: version -> JSON
func (k keys) docLive(d versioned.Ref) string     { return k.document(d) + ":live" }     // STRING: version

// actionResponses counts impressions and clicks per action; written alone,
// so it has no hash tag.
func (k keys) actionResponses() string { return k.ns + ":actions:responses" } // HASH: "<event>:<action>" -> count

// rateLimit counts one customer's uses of a rate-limited action. It is
// outside the customer's keys, so that the erasure it limits does not
// reset it, and names the customer only by a keyed hash (see Allow).
func (k keys) rateLimit(hash, action string) string { return k.ns + ":rl:" + action + ":" + hash }

// rateLimitKey holds the secret key of the rate limits' keyed hashes.
func (k keys) rateLimitKey() string { return k.ns + ":rl:key" }

// erasures maps a salted hash of an erased customer ID to its receipt.
// trust holds one hour's trust totals (trust.Store), named by the
// hour's Unix time; no customer is named, and it is written alone.
func (k keys) trust(hour int64) string { return k.ns + ":trust:" + strconv.FormatInt(hour, 10) }

// customerLevels counts customers per consent level (HASH: level →
// count); no customer is named, and it is written alone.
func (k keys) customerLevels() string { return k.ns + ":trust:levels" }

func (k keys) erasures() string    { return k.ns + ":erasures" }
func (k keys) erasureSalt() string { return k.ns + ":erasures:salt" }

// Scheduled training: a lock (STRING: the holder's token, with a lease)
// and when the last scheduled training began (STRING: Unix ms); each is
// touched alone.
func (k keys) lock(name string) string { return k.ns + ":lock:" + name }
func (k keys) lastTraining() string    { return k.ns + ":train:last" }

// customerKeys lists every key one customer can have, by kind. Erasure
// deletes exactly these; a test checks by SCAN that nothing else exists.
func (k keys) customerKeys(id string) map[string][]string {
	fs := make([]string, 0, 6)
	for _, set := range []string{"browsing", "purchases", "declared", "location", "demographics", "sensitive"} {
		fs = append(fs, k.featureSet(id, set))
	}
	ids := []string{k.contactIDs(id)}
	packed := make([]string, 0, len(ingestSets))
	for _, set := range ingestSets {
		ids = append(ids, k.eventIDs(id, string(set)))
		packed = append(packed, k.packedSet(id, string(set)))
	}
	return map[string][]string{
		"consent":      {k.consent(id)},
		"consent_log":  {k.consentLog(id)},
		"feature_sets": fs,
		"event_ids":    ids,
		"packed_sets":  packed,
		"feedback":     {k.feedback(id)},
		"contacts":     {k.contacts(id)},
		"decisions":    {k.decisions(id), k.legacyDecisions(id)},
		"evidence":     k.evidenceKeys(id),
	}
}

// keySuffixes are key names after a customer's prefix, as keys builds them
// for any customer, so that a script call on the request path can cut one
// customer's keys from one string.
type keySuffixes struct {
	list  []string
	bytes int // their total length
}

// suffixesOf returns the suffixes of names, keys of the customer "".
func suffixesOf(names ...string) keySuffixes {
	var s keySuffixes
	for _, n := range names {
		suf := strings.TrimPrefix(n, keys{}.customer(""))
		s.list, s.bytes = append(s.list, suf), s.bytes+len(suf)
	}
	return s
}

// cut returns the keys of customer id, cut from one string.
func (s keySuffixes) cut(k keys, id string) []string {
	base := k.customer(id)
	var b strings.Builder
	b.Grow(len(s.list)*len(base) + s.bytes)
	for _, suf := range s.list {
		b.WriteString(base)
		b.WriteString(suf)
	}
	all, start := b.String(), 0
	out := make([]string, len(s.list))
	for i, suf := range s.list {
		end := start + len(base) + len(suf)
		out[i], start = all[start:end], end
	}
	return out
}
