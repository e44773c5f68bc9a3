-- Publishes a ruleset version atomically: stores it, makes it live, appends
-- the audit entry and notifies every replica, all or nothing, and only if
-- the newest version is the one before it (so of two concurrent publishes
-- exactly one wins; versions stay 1, 2, 3, ... without gaps).
-- KEYS[1] versions hash, KEYS[2] live pointer, KEYS[3] audit stream.
-- ARGV[1] version, ARGV[2] ruleset JSON, ARGV[3] ruleset name,
-- ARGV[4] audit entry JSON, ARGV[5] events channel, ARGV[6] topic.
-- Returns {1, audit entry id} or {0, newest version} on a conflict.
local n = tonumber(ARGV[1])
local have = redis.call('HLEN', KEYS[1])
if have ~= n - 1 then return {0, tostring(have)} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
local id = redis.call('XADD', KEYS[3], '*', 'kind', 'rules', 'ruleset', ARGV[3], 'entry', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {1, id}
