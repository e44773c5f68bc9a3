-- The consent-gated read: one round trip that reads the consent hash,
-- evaluates it, and then reads ONLY the granted feature sets (a key of a
-- set that is not granted is never touched), plus feedback and contacts.
-- KEYS[1] consent hash, KEYS[2] feedback, KEYS[3] contacts,
-- KEYS[4..3+n] feature-set keys, KEYS[4+n..3+2n] their packed copies
-- (see ingest.lua; only interaction sets have one); ARGV[5] = number of
-- sets n, ARGV[6] = how many
-- of the most recent items of an interaction set to read with their
-- scores (0: all), then per set its scope name and kind ('z' interactions
-- ZSET, 'x' interactions whose older items are read too, as bare members,
-- 'h' profile HASH).
-- Returns {consent, reasons, sets, feedback, contacts, older}, packed as
-- few strings as possible (each bulk string is an allocation for the
-- client): consent "field\nvalue\n...", reasons "r1\nr2..." (one per set,
-- '' for granted), sets an array with one entry per set: an interaction
-- set's packed copy as stored ("\nmember\tscore..." of every member; the
-- caller orders and bounds it), or without one "member\nscore\n..." oldest
-- first, a profile's "field\nvalue...", or false when it was not read; feedback
-- "field\nvalue...", contacts "member\nscore...", older "member\n..." of
-- the 'x' set's items before the recent ones ('' when none were read).
local consent = redis.call('HGETALL', KEYS[1])
local recs = {}
for i = 1, #consent, 2 do recs[consent[i]] = consent[i + 1] end
local n, recent = tonumber(ARGV[5]), tonumber(ARGV[6])
local reasons, sets, older = {}, {}, ''
for i = 1, n do
  local scope, kind = ARGV[6 + 2 * i - 1], ARGV[6 + 2 * i]
  local why = reason(scope, recs[scope])
  reasons[i] = why
  sets[i] = false
  if why == '' then
    local key = KEYS[3 + i]
    -- the copy only with its set: a copy never outlives what it copies
    local packed = kind ~= 'h' and redis.call('EXISTS', key) == 1 and redis.call('GET', KEYS[3 + n + i])
    if packed then
      sets[i] = packed
    elseif kind == 'h' then
      sets[i] = table.concat(redis.call('HGETALL', key), '\n')
    elseif recent <= 0 then
      sets[i] = table.concat(redis.call('ZRANGE', key, 0, -1, 'WITHSCORES'), '\n')
    else
      sets[i] = table.concat(redis.call('ZRANGE', key, -recent, -1, 'WITHSCORES'), '\n')
      if kind == 'x' then
        older = table.concat(redis.call('ZRANGE', key, 0, -(recent + 1)), '\n')
      end
    end
  end
end
local feedback = table.concat(redis.call('HGETALL', KEYS[2]), '\n')
local contacts = table.concat(redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'), '\n')
return {table.concat(consent, '\n'), table.concat(reasons, '\n'), sets, feedback, contacts, older}
