-- Keeps the personal evidence of one decision apart from its record: one
-- HASH per feature set, field = the record's entry ID in the customer's
-- decisions stream, value = that set's evidence (JSON). It writes only if
-- the customer's consent log head is still the one the decision was made
-- under, so a record that waited in a writer's queue through a
-- withdrawal (consent_put deletes the withdrawn set's evidence hash with
-- its data) or an erasure cannot bring the evidence back.
-- KEYS[1] consent hash, KEYS[2] the customer's decisions stream,
-- KEYS[3..] evidence hashes. ARGV[1] the expected log head, ARGV[2] the
-- decision ID, ARGV[3] TTL (ms), ARGV[4] how many fields a hash holds
-- before those of records trimmed from the stream are removed, ARGV[5..]
-- per evidence hash the set's evidence.
-- Returns 1 when written; 0 when the head changed or the record is not
-- in the stream, and then nothing was written. Touches no other key.
if ARGV[1] == '' or (redis.call('HGET', KEYS[1], '_head') or '') ~= ARGV[1] then return 0 end

-- entry returns the stream ID of the newest entry whose id field is id.
local function entry(id)
  for _, e in ipairs(redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 64)) do
    local f = e[2]
    for i = 1, #f - 1, 2 do
      if f[i] == 'id' and f[i + 1] == id then return e[1] end
    end
  end
  return nil
end

-- before reports whether stream ID a sorts before stream ID b.
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return false end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

local sid = entry(ARGV[2])
if not sid then return 0 end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1]
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], sid, ARGV[2 + i])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
  if redis.call('HLEN', KEYS[i]) > tonumber(ARGV[4]) then
    for _, f in ipairs(redis.call('HKEYS', KEYS[i])) do
      if before(f, first) then redis.call('HDEL', KEYS[i], f) end
    end
  end
end
return 1
