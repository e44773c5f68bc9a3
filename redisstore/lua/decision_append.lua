-- Appends one decision record, all in one command (the writer sends one per
-- record, pipelined, off the request path): the record into its capped
-- stream, and its personal evidence apart from it, one HASH per feature
-- set, field = the record's stream entry ID, value = that set's evidence
-- (JSON). The evidence is written only if the customer's consent log head
-- is still the one the decision was made under, so a record that waited in
-- a writer's queue through a withdrawal (consent_put deletes the withdrawn
-- set's evidence hash with its data) or an erasure cannot bring it back.
-- KEYS[1] the decisions stream, KEYS[2] the consent hash (absent for an
-- anonymous record), KEYS[3..] evidence hashes. ARGV[1] the oldest entry
-- ID to keep (ms), ARGV[2] the most entries kept, ARGV[3] TTL (ms),
-- ARGV[4] the decision ID, ARGV[5] the record, ARGV[6] the expected log
-- head, ARGV[7] how many fields an evidence hash holds before those of
-- records trimmed from the stream are removed, ARGV[8..] per evidence
-- hash the set's evidence.
-- Returns 1 when the evidence was written (or there was none), 0 when the
-- head changed and only the record was. Touches no other key.
local sid = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'id', ARGV[4], 'd', ARGV[5])
if redis.call('XLEN', KEYS[1]) > tonumber(ARGV[2]) then
  redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if #KEYS < 3 then return 1 end
if ARGV[6] == '' or (redis.call('HGET', KEYS[2], '_head') or '') ~= ARGV[6] then return 0 end

-- before reports whether stream ID a sorts before stream ID b.
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return false end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

local first = nil
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], sid, ARGV[5 + i])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
  if redis.call('HLEN', KEYS[i]) > tonumber(ARGV[7]) then
    first = first or redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1]
    for _, f in ipairs(redis.call('HKEYS', KEYS[i])) do
      if before(f, first) then redis.call('HDEL', KEYS[i], f) end
    end
  end
end
return 1
