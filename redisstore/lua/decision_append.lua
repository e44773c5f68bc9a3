-- Appends one decision record, all in one command (the writer sends one per
-- record, pipelined, off the request path): the record at the head of its
-- LIST (newest first), trimmed to the most records kept and to the oldest
-- time kept, with the TTL renewed. A LIST, not a STREAM: Redis gives every
-- stream a 4 KB node as soon as it has one entry, and most customers hold
-- a few records; a list grows by its records' bytes. A key left holding
-- one record holds it as a STRING instead: Redis 7.0 gives a list of one
-- entry a quicklist and a node besides its listpack, about 100 bytes, and
-- a customer's first record is most of what a shop writes on a day its
-- customers come once. The next record turns the string into a list again
-- (decisions_read.lua reads either).
-- A record is `version:1 time:8 id section*` (see recommend/record.go); the
-- script reads only the time (ns since the Unix epoch, big-endian) of the
-- oldest record to trim by age. The record's personal evidence (sections,
-- one per feature set) is appended to it only if the customer's consent log
-- head is still the one the decision was made under, so a record that waited
-- in a writer's queue through a withdrawal (consent_put strips the withdrawn
-- set's sections from every stored record) or an erasure cannot bring it
-- back.
-- KEYS[1] the decisions list, KEYS[2] the consent hash (absent for an
-- anonymous record). ARGV[1] the oldest time kept (ms since the Unix
-- epoch), ARGV[2] the most records kept, ARGV[3] TTL (ms), ARGV[4] the
-- record without its evidence, ARGV[5] its evidence sections ('' = none),
-- ARGV[6] the expected log head, ARGV[7] '1' when the answer was
-- personalized.
-- A personalized record also keeps, in the consent hash's _shown field,
-- the hour (since the Unix epoch, from the record's time) the customer was
-- last shown a personalized answer, if the customer still has a consent
-- log (an erased one has none, and gets no field back). The field only
-- moves forward.
-- Returns written + 2*(from + 1) + 2*2^22*(to + 1), one integer (see
-- unpackShown in decisions.go): written 1 when the evidence was written (or
-- there was none), 0 when the head changed and only the record was; from
-- and to the hours _shown moved between (-1 when it was unset; to is -1
-- when it did not move), for the caller to move the customer in the shared
-- count of customers per latest personalized hour. Touches no other key.

-- millis returns the time of record r in ms, or nil when r is not a record.
local function millis(r)
  if #r < 9 or string.byte(r, 1) ~= 1 then return nil end
  local ns = 0
  for i = 2, 9 do ns = ns * 256 + string.byte(r, i) end
  return ns / 1e6
end

-- One read of the consent hash: the log head (the evidence's guard, and
-- whether the customer still has a log) and _shown.
local head, shown = '', nil
if #KEYS >= 2 then
  local f = redis.call('HMGET', KEYS[2], '_head', '_shown')
  head, shown = f[1] or '', tonumber(f[2] or '')
end
local rec, written = ARGV[4], 1
if ARGV[5] ~= '' then
  if ARGV[6] ~= '' and head == ARGV[6] then
    rec = rec .. ARGV[5]
  else
    written = 0
  end
end
local kind, n, most, oldest = redis.call('TYPE', KEYS[1]).ok, 1, tonumber(ARGV[2]), tonumber(ARGV[1])
if kind ~= 'none' then
  if kind == 'string' then -- the one record held starts the list again
    local only = redis.call('GET', KEYS[1])
    redis.call('DEL', KEYS[1])
    redis.call('RPUSH', KEYS[1], only)
  end
  n = redis.call('LPUSH', KEYS[1], rec)
  if n > most then
    redis.call('LTRIM', KEYS[1], 0, most - 1)
    n = most
  end
  while n > 1 do -- from the oldest, never the record just pushed
    local t = millis(redis.call('LINDEX', KEYS[1], -1) or '')
    if not t or t >= oldest then break end
    redis.call('RPOP', KEYS[1])
    n = n - 1
  end
end
if n == 1 then -- the record just pushed is the only one left: a STRING
  if kind ~= 'none' then redis.call('DEL', KEYS[1]) end
  local t = millis(rec)
  if not t or t >= oldest then redis.call('SET', KEYS[1], rec, 'PX', ARGV[3]) end
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
local from, to = -1, -1
if ARGV[7] == '1' and head ~= '' then
  local t = millis(ARGV[4])
  if t then
    local h = math.floor(t / 3600000)
    if not shown or h > shown then
      redis.call('HSET', KEYS[2], '_shown', h)
      from, to = shown or -1, h
    end
  end
end
return written + 2 * (from + 1) + 2 * 4194304 * (to + 1)
