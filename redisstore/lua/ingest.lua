-- Collection-time gate for one customer's interaction events: an event is
-- stored only if its feature set is granted now; otherwise nothing of it is
-- written. KEYS[1] consent hash, KEYS[2] contacts, KEYS[3..] feature-set
-- keys. ARGV[5] reserved (0), ARGV[6] contacts TTL (s), ARGV[7] number of sets,
-- then per set: scope name, TTL (s) and cap; then per event: set index (0 = contact),
-- member, Unix second, rating in half stars (0 = not a rating). Returns one
-- reason per event ('' = stored; '=' = a contact that was already stored).
-- An interaction's score is last * 2^20 + rating * 2^16 + count (see
-- features.PackScore); the newest rating wins.
local LOW, COUNT = 1048576, 65536
local nsets = tonumber(ARGV[7])
local why, touched = {}, {}
for i = 1, nsets do
  local scope = ARGV[7 + 3 * i - 2]
  why[i] = reason(scope, redis.call('HGET', KEYS[1], scope) or nil)
end
local out = {}
local first = 8 + 3 * nsets
local contacts = false
for j = first, #ARGV, 4 do
  local set, member, ts, code = tonumber(ARGV[j]), ARGV[j + 1], tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3])
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
    local last, low = math.floor(old / LOW), old % LOW
    local rating, count = math.floor(low / COUNT), low % COUNT
    if code > 0 and (ts >= last or rating == 0) then rating = code end
    if ts > last then last = ts end
    if count < COUNT - 1 then count = count + 1 end
    redis.call('ZADD', key, last * LOW + rating * COUNT + count, member)
    touched[set] = true
    out[#out + 1] = ''
  end
end
for set in pairs(touched) do
  local key = KEYS[2 + set]
  redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[7 + 3 * set]) + 1))
  redis.call('EXPIRE', key, tonumber(ARGV[7 + 3 * set - 1]))
end
if contacts then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6])) end
return out
