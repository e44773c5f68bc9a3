-- Applies a consent change atomically: the new records, their hash-chained
-- log entries, and the purge of withdrawn feature sets, all or nothing, and
-- only if the log head is still the one the caller planned against
-- (optimistic concurrency; the caller retries or answers 409).
-- KEYS[1] consent hash, KEYS[2] consent log stream, KEYS[3..] keys to purge,
-- the evidence hashes of denied feature sets last.
-- ARGV[1] expected head hash ('' = no log yet), ARGV[2] seq of the first new
-- entry, ARGV[3] number of changes, then per change: scope, encoded record,
-- previous hash, entry hash; then the KEYS index of the first evidence hash
-- and the window (ms).
-- Returns {1, new head, shown} or {0, actual head} on a conflict; shown has
-- per evidence hash 1 when it held the evidence of a decision made within
-- the window before now (its field is the decision's stream entry ID,
-- whose first part is the time in ms), else 0. It reads only the evidence
-- hashes it then deletes.
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
local shown = {}
local first, window = tonumber(ARGV[4 + 4 * n]), tonumber(ARGV[5 + 4 * n])
if first and window then
  local t = redis.call('TIME')
  local since = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - window
  for k = first, #KEYS do
    local hit = 0
    for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do
      local ms = tonumber(string.match(f, '^(%d+)-'))
      if ms and ms >= since then hit = 1; break end
    end
    shown[#shown + 1] = hit
  end
end
for k = 3, #KEYS do redis.call('DEL', KEYS[k]) end
return {1, last, shown}
