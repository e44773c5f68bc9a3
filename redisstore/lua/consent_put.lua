-- Applies a consent change atomically: the new records, their hash-chained
-- log entries, and the purge of withdrawn feature sets, all or nothing, and
-- only if the log head is still the one the caller planned against
-- (optimistic concurrency; the caller retries or answers 409).
-- KEYS[1] consent hash, KEYS[2] consent log stream, KEYS[3..] keys to purge.
-- ARGV[1] expected head hash ('' = no log yet), ARGV[2] seq of the first new
-- entry, ARGV[3] number of changes, then per change: scope, encoded record,
-- previous hash, entry hash.
-- Returns {1, new head} or {0, actual head} on a conflict.
local head = redis.call('HGET', KEYS[1], '_head') or ''
if head ~= ARGV[1] then return {0, head} end
local seq, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local last = head
for i = 0, n - 1 do
  local b = 4 + 4 * i
  redis.call('HSET', KEYS[1], ARGV[b], ARGV[b + 1])
  redis.call('XADD', KEYS[2], '*', 'seq', seq + i, 'scope', ARGV[b], 'record', ARGV[b + 1],
    'prev', ARGV[b + 2], 'hash', ARGV[b + 3])
  last = ARGV[b + 3]
end
if n > 0 then redis.call('HSET', KEYS[1], '_head', last, '_seq', seq + n - 1) end
for k = 3, #KEYS do redis.call('DEL', KEYS[k]) end
return {1, last}
