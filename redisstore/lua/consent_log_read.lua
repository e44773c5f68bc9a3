-- Reads the consent log at KEYS[1] (consent_log.lua), a LIST or a STREAM
-- from before, in one step: its entries, oldest first.
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'stream' then return streamEntries(KEYS[1]) end
if kind == 'none' then return {} end
return redis.call('LRANGE', KEYS[1], 0, -1)
