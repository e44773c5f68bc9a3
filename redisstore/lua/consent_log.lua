-- The consent log is a LIST of entries, oldest first, each
-- `seq \n scope \n record \n prev \n hash` (no field holds a '\n': a scope
-- is a name, a record consent.EncodeRecord's `state|time|expiry|policy|source`,
-- the hashes hex). Versions before kept it as a STREAM of entries with the
-- same five fields; Redis 7.0 gives a stream a 4 KB node from its first
-- entry, most of what a customer's consent cost. A stream log is still
-- read (consent_log_read.lua) and is turned into the list, its entries in
-- order, by the next change (consent_put.lua) or by `candor migrate`
-- (consent_log_migrate.lua).

-- streamEntries returns the entries of the stream log at key as the
-- list's entries, oldest first.
local function streamEntries(key)
  local out = {}
  for _, e in ipairs(redis.call('XRANGE', key, '-', '+')) do
    local f, m = e[2], {}
    for j = 1, #f, 2 do m[f[j]] = f[j + 1] end
    out[#out + 1] = table.concat({m.seq or '', m.scope or '', m.record or '', m.prev or '', m.hash or ''}, '\n')
  end
  return out
end

-- toList turns a stream log at key into the list, its entries in order;
-- true when it did.
local function toList(key)
  if redis.call('TYPE', key).ok ~= 'stream' then return false end
  local old = streamEntries(key)
  redis.call('DEL', key)
  for i = 1, #old, 100 do redis.call('RPUSH', key, unpack(old, i, math.min(i + 99, #old))) end
  return true
end
