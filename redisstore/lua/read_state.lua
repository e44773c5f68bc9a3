-- The consent-gated read: one round trip that reads the consent hash,
-- evaluates it, and then reads ONLY the granted feature sets (a key of a
-- set that is not granted is never touched), plus feedback and contacts.
-- KEYS[1] consent hash, KEYS[2] feedback, KEYS[3] contacts,
-- KEYS[4..] feature-set keys; ARGV[5] = number of sets, then per set its
-- scope name and kind ('z' interactions ZSET, 'h' profile HASH).
-- Returns {consent fields, reasons, sets, feedback, contacts}; a set is
-- returned packed as "member\nscore\n..." (or field\nvalue) or false when
-- it was not read.
local consent = redis.call('HGETALL', KEYS[1])
local recs = {}
for i = 1, #consent, 2 do recs[consent[i]] = consent[i + 1] end
local n = tonumber(ARGV[5])
local reasons, sets = {}, {}
for i = 1, n do
  local scope, kind = ARGV[5 + 2 * i - 1], ARGV[5 + 2 * i]
  local why = reason(scope, recs[scope])
  reasons[i] = why
  sets[i] = false
  if why == '' then
    local data
    if kind == 'z' then
      data = redis.call('ZRANGE', KEYS[3 + i], 0, -1, 'WITHSCORES')
    else
      data = redis.call('HGETALL', KEYS[3 + i])
    end
    sets[i] = table.concat(data, '\n')
  end
end
local feedback = redis.call('HGETALL', KEYS[2])
local contacts = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
return {consent, reasons, sets, feedback, contacts}
