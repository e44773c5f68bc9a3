package redisstore

// keys builds every Redis key name Candor uses. All of one customer's keys
// share the hash tag {c:<id>} (the only braces in the key) so that one Lua
// script may touch them all, on Redis Cluster too.
type keys struct{ ns string }

func (k keys) customer(id string) string { return k.ns + ":{c:" + id + "}" }

// Per-customer keys.
func (k keys) consent(id string) string    { return k.customer(id) + ":consent" }
func (k keys) consentLog(id string) string { return k.customer(id) + ":consent:log" }
func (k keys) featureSet(id, set string) string {
	return k.customer(id) + ":fs:" + set
}
func (k keys) feedback(id string) string  { return k.customer(id) + ":feedback" }
func (k keys) contacts(id string) string  { return k.customer(id) + ":contacts" }
func (k keys) decisions(id string) string { return k.customer(id) + ":decisions" }

// customerPattern matches every key of one customer, for erasure checks.
func (k keys) customerPattern(id string) string { return k.customer(id) + ":*" }

// Shared, non-personal keys.
func (k keys) apiKeys() string          { return k.ns + ":keys" }
func (k keys) catalog() string          { return k.ns + ":catalog" }
func (k keys) events() string           { return k.ns + ":events" }
func (k keys) audit() string            { return k.ns + ":audit" }
func (k keys) customers() string        { return k.ns + ":customers" }
func (k keys) modelKey(v string) string { return k.ns + ":model:" + v }
