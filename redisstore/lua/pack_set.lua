-- Writes an interaction set's packed copy anew from the set (see
-- packed.lua), with the set's time to live, unless it has one: what
-- `candor migrate` runs for sets stored before the copies existed.
-- KEYS[1] the set, KEYS[2] its packed copy. Returns 1 when it wrote one.
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local ttl = redis.call('TTL', KEYS[1])
if ttl == -2 or ttl == 0 then return 0 end -- gone, or gone within the second
if ttl < 0 then ttl = nil end
pack(KEYS[1], KEYS[2], {}, {}, ttl)
return 1
