-- Publishes one version of a document (a ruleset, the action catalog)
-- atomically: stores it, makes it live, appends the audit entry and
-- notifies every replica, all or nothing, and only if the newest version is
-- the one before it (so of two concurrent publishes exactly one wins;
-- versions stay 1, 2, 3, ... without gaps).
-- KEYS[1] versions hash, KEYS[2] live pointer, KEYS[3] audit stream; all
-- three share the {shared} hash tag.
-- ARGV[1] version, ARGV[2] document JSON, ARGV[3] kind (also the topic
-- announced), ARGV[4] document name ("" for a kind with one document),
-- ARGV[5] audit entry JSON, ARGV[6] events channel.
-- Returns {1, audit entry id} or {0, newest version} on a conflict.
-- Touches no other key; never deletes a version.
local n = tonumber(ARGV[1])
local have = redis.call('HLEN', KEYS[1])
if have ~= n - 1 then return {0, tostring(have)} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
local id = redis.call('XADD', KEYS[3], '*', 'kind', ARGV[3], 'name', ARGV[4], 'entry', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[3])
return {1, id}
