-- Reads records ARGV[1] to ARGV[2] (positions as LRANGE counts them, newest
-- first) of a decisions key, which holds a lone record as a STRING and more
-- as a LIST (see decision_append.lua), in one step, so that an append
-- turning the one into the other cannot fall between a type check and the
-- read. A key of another type is refused as LRANGE refuses it.
-- KEYS[1] the decisions key. Returns the records, newest first.
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return {} end
if kind == 'string' then
  if tonumber(ARGV[1]) ~= 0 then return {} end
  return {redis.call('GET', KEYS[1])}
end
return redis.call('LRANGE', KEYS[1], ARGV[1], ARGV[2])
