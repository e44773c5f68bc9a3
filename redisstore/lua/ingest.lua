-- Collection-time gate for one customer's interaction events: an event is
-- stored only if its feature set is granted now; otherwise nothing of it is
-- written. KEYS[1] consent hash, KEYS[2] contacts, KEYS[3..] feature-set
-- keys. ARGV[5] cap, ARGV[6] contacts TTL (s), ARGV[7] number of sets, then
-- per set: scope name and TTL (s); then per event: set index (0 = contact),
-- member, Unix second. Returns one reason per event ('' = stored; '=' = a
-- contact that was already stored).
local COUNT = 1048576 -- 2^20, see features.PackScore
local cap = tonumber(ARGV[5])
local nsets = tonumber(ARGV[7])
local why, touched = {}, {}
for i = 1, nsets do
  local scope = ARGV[7 + 2 * i - 1]
  why[i] = reason(scope, redis.call('HGET', KEYS[1], scope) or nil)
end
local out = {}
local first = 8 + 2 * nsets
local contacts = false
for j = first, #ARGV, 3 do
  local set, member, ts = tonumber(ARGV[j]), ARGV[j + 1], tonumber(ARGV[j + 2])
  if set == 0 then
    -- '=' marks a contact already recorded (a retried batch): stored, but
    -- not counted again in the action's response totals
    local added = redis.call('ZADD', KEYS[2], ts, member)
    contacts = true
    out[#out + 1] = (added == 1) and '' or '='
  elseif why[set] ~= '' then
    out[#out + 1] = why[set]
  else
    local key = KEYS[2 + set]
    local old = tonumber(redis.call('ZSCORE', key, member) or '0')
    local last, count = math.floor(old / COUNT), old % COUNT
    if ts > last then last = ts end
    if count < COUNT - 1 then count = count + 1 end
    redis.call('ZADD', key, last * COUNT + count, member)
    touched[set] = true
    out[#out + 1] = ''
  end
end
for set in pairs(touched) do
  local key = KEYS[2 + set]
  redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
  redis.call('EXPIRE', key, tonumber(ARGV[7 + 2 * set]))
end
if contacts then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6])) end
return out
