-- Collection-time gate for one customer's events: an event is stored only
-- if its scope is granted now (an interaction: its feature set; a contact,
-- i.e. an impression, click or dismissal of an action: the channel it was
-- delivered on); otherwise nothing of it is written.
-- KEYS[1] consent hash, KEYS[2] contacts, KEYS[3] the contacts' event IDs,
-- then per set i: KEYS[1 + 3i] the set, KEYS[2 + 3i] its event IDs,
-- KEYS[3 + 3i] its packed copy.
-- ARGV[5] deadline (Unix ms of Redis's clock; 0 = none), ARGV[6] contacts
-- TTL (s), ARGV[7] the contacts' cutoff (Unix s; 0 = none), ARGV[8] number
-- of sets, then per set: scope name, TTL (s), cap and cutoff (Unix s; 0 =
-- none: features.Retention.Cutoff); then per event six values: set index
-- (0 = contact), member, Unix second, rating in half stars (0 = not a
-- rating), the scope of a contact ('' for an interaction), event ID ('' =
-- none).
-- Returns one reason per event: '' stored, '=' stored before (a repeated
-- event ID, or a contact already recorded: nothing changes and it is not
-- counted again), 'older_than_retention' for an event before its set's (or
-- the contacts') cutoff, else the consent reason it was dropped for. Returns
-- {'!late'} and writes nothing when the script starts after the deadline:
-- its caller has given up and answered "not stored, safe to retry".
-- An interaction's score is last * 2^20 + rating * 2^16 + count (see
-- features.PackScore); the newest rating wins. An event ID is kept in the
-- set's ID index for as long as the set's retention (and at most IDCAP
-- per set), so a repeated ID within it is a no-op.
-- A set written to loses its items last seen before its cutoff, then what
-- is over its cap (the oldest), and lives its TTL from now; the contacts
-- lose theirs before their cutoff.
-- Each set's packed copy is kept equal to it (lua/packed.lua).
local LOW, COUNT, IDCAP = 1048576, 65536, 10000
local deadline = tonumber(ARGV[5])
if deadline > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline then return {'!late'} end
end
local nsets = tonumber(ARGV[8])
local why, touched, cutoff = {}, {}, {[0] = tonumber(ARGV[7])}
for i = 1, nsets do
  local scope = ARGV[8 + 4 * i - 3]
  why[i] = reason(scope, redis.call('HGET', KEYS[1], scope) or nil)
  cutoff[i] = tonumber(ARGV[8 + 4 * i])
end
local channel = {}
local function contactReason(scope)
  if channel[scope] == nil then channel[scope] = reason(scope, redis.call('HGET', KEYS[1], scope) or nil) end
  return channel[scope]
end

-- seen reports whether event id is already in ID index key; else adds it.
local function seen(key, id)
  if id == '' then return false end
  return redis.call('ZADD', key, 'NX', NOW, id) == 0
end

-- changed[set] lists the members added or rescored, then their scores;
-- fresh[set] counts the members that were not in the set before.
local changed, fresh = {}, {}

-- add folds one interaction into set key.
local function add(set, key, member, ts, code)
  local old = tonumber(redis.call('ZSCORE', key, member) or '0')
  local last, low = math.floor(old / LOW), old % LOW
  local rating, count = math.floor(low / COUNT), low % COUNT
  if code > 0 and (ts >= last or rating == 0) then rating = code end
  if ts > last then last = ts end
  if count < COUNT - 1 then count = count + 1 end
  local score = last * LOW + rating * COUNT + count
  redis.call('ZADD', key, score, member)
  local c = changed[set] or {}
  c[#c + 1] = member
  c[#c + 1] = string.format('%.0f', score)
  changed[set] = c
  if old == 0 then fresh[set] = (fresh[set] or 0) + 1 end
end

-- trim bounds an ID index to the IDs of the last ttl seconds, at most IDCAP.
local function trim(key, ttl)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (NOW - ttl * 1000))
  redis.call('ZREMRANGEBYRANK', key, 0, -(IDCAP + 1))
  redis.call('EXPIRE', key, ttl)
end

local out = {}
local first = 9 + 4 * nsets
local contacts = false
for j = first, #ARGV, 6 do
  local set, member, ts, code = tonumber(ARGV[j]), ARGV[j + 1], tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3])
  local scope, id = ARGV[j + 4], ARGV[j + 5]
  if cutoff[set] > 0 and ts < cutoff[set] then
    out[#out + 1] = 'older_than_retention'
  elseif set == 0 then
    local r = contactReason(scope)
    if r ~= '' then
      out[#out + 1] = r
    elseif seen(KEYS[3], id) then
      out[#out + 1] = '='
    else
      contacts = true
      out[#out + 1] = (redis.call('ZADD', KEYS[2], ts, member) == 1) and '' or '='
    end
  elseif why[set] ~= '' then
    out[#out + 1] = why[set]
  elseif seen(KEYS[2 + 3 * set], id) then
    out[#out + 1] = '='
  else
    add(set, KEYS[1 + 3 * set], member, ts, code)
    touched[set] = true
    out[#out + 1] = ''
  end
end
for set in pairs(touched) do
  local key, ttl = KEYS[1 + 3 * set], tonumber(ARGV[8 + 4 * set - 2])
  local card = redis.call('ZCARD', key)
  if card == (fresh[set] or 0) then
    redis.call('DEL', KEYS[3 + 3 * set]) -- a new set: any copy is of a set that is gone
  end
  local gone = {}
  if cutoff[set] > 0 then
    local below = '(' .. string.format('%.0f', cutoff[set] * LOW)
    gone = redis.call('ZRANGEBYSCORE', key, '-inf', below)
    if #gone > 0 then redis.call('ZREMRANGEBYSCORE', key, '-inf', below) end
  end
  local over = card - #gone - tonumber(ARGV[8 + 4 * set - 1])
  if over > 0 then
    for _, m in ipairs(redis.call('ZRANGE', key, 0, over - 1)) do gone[#gone + 1] = m end
    redis.call('ZREMRANGEBYRANK', key, 0, over - 1)
  end
  redis.call('EXPIRE', key, ttl)
  pack(key, KEYS[3 + 3 * set], changed[set], gone, ttl)
  if redis.call('EXISTS', KEYS[2 + 3 * set]) == 1 then trim(KEYS[2 + 3 * set], ttl) end
end
if contacts then
  local ttl = tonumber(ARGV[6])
  if cutoff[0] > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff[0]) end
  redis.call('EXPIRE', KEYS[2], ttl)
  if redis.call('EXISTS', KEYS[3]) == 1 then trim(KEYS[3], ttl) end
end
return out
