-- Sets a consent hash's _level (the customer's consent level as counted
-- in the shared count per level) only if its log head is still the one
-- the level was worked out from; for `candor consent recount`.
-- KEYS[1] the consent hash. ARGV[1] the head, ARGV[2] the level.
-- Returns 1 when set, 0 when the head moved (nothing is written).
-- Touches no other key.
if (redis.call('HGET', KEYS[1], '_head') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], '_level', ARGV[2])
return 1
