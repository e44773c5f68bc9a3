-- Applies a consent change atomically: the new records, their hash-chained
-- log entries, the purge of withdrawn feature sets, and the withdrawn sets'
-- evidence stripped from every stored decision record, all or nothing, and
-- only if the log head is still the one the caller planned against
-- (optimistic concurrency; the caller retries or answers 409).
-- KEYS[1] consent hash, KEYS[2] consent log (consent_log.lua), KEYS[3] decisions key
-- (a LIST, or a STRING holding a lone record: see decision_append.lua),
-- KEYS[4..] keys to purge.
-- ARGV[1] expected head hash ('' = no log yet), ARGV[2] seq of the first new
-- entry, ARGV[3] number of changes, then per change: scope, encoded record,
-- previous hash, entry hash; then the tags of the evidence sections to strip
-- from every decision record, one byte each ('' = none); then the KEYS
-- index of the first evidence hash of records from before (one per tag, in
-- the tags' order, among the keys to purge), the window (ms), and the
-- customer's personalization level once the changes are written ('' =
-- keep none), kept in the consent hash's _level field.
-- A decision record is `version:1 time:8 idlen:1 id section*`, a section
-- `tag:1 len:uvarint payload` (see recommend/record.go); a record of
-- another version is left as it is, and what cannot be parsed is dropped.
-- Returns {1, new head, shown, level before} or {0, actual head} on a
-- conflict; shown has per tag 1 when a decision made within the window
-- before now held that set's evidence (it reads only what it then strips
-- or deletes), else 0; level before is the _level the hash held ('' =
-- none), which the caller moves the customer from in the shared count of
-- customers per level (a key of another slot, so not written here).
local head = redis.call('HGET', KEYS[1], '_head') or ''
if head ~= ARGV[1] then return {0, head} end
local seq, n = tonumber(ARGV[2]), tonumber(ARGV[3])
toList(KEYS[2]) -- a stream log from before becomes the list
local last = head
for i = 0, n - 1 do
  local b = 4 + 4 * i
  redis.call('HSET', KEYS[1], ARGV[b], ARGV[b + 1])
  redis.call('RPUSH', KEYS[2], table.concat({seq + i, ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3]}, '\n'))
  last = ARGV[b + 3]
end
if n > 0 then redis.call('HSET', KEYS[1], '_head', last, '_seq', seq + n - 1) end
local level, was = ARGV[7 + 4 * n] or '', ''
if level ~= '' then
  was = redis.call('HGET', KEYS[1], '_level') or ''
  if was ~= level then redis.call('HSET', KEYS[1], '_level', level) end
end
local tags = ARGV[4 + 4 * n] or ''
local first, window = tonumber(ARGV[5 + 4 * n]), tonumber(ARGV[6 + 4 * n])
local since
if window then
  local t = redis.call('TIME')
  since = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - window
end
local shown, index = {}, {}
for i = 1, #tags do shown[i] = 0; index[string.byte(tags, i)] = i end
if since and first then
  for i = 1, #tags do
    local k = first + i - 1
    if KEYS[k] then
      for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do
        local ms = tonumber(string.match(f, '^(%d+)-'))
        if ms and ms >= since then shown[i] = 1; break end
      end
    end
  end
end
for k = 4, #KEYS do redis.call('DEL', KEYS[k]) end

-- recordMs returns the time of record r in ms (its header holds ns, big-endian).
local function recordMs(r)
  local ns = 0
  for i = 2, 9 do ns = ns * 256 + string.byte(r, i) end
  return ns / 1e6
end

-- stripped returns record r without the sections whose tag is in drop, and
-- marks each dropped tag in hit.
local function stripped(r, drop, hit)
  if #r < 10 or string.byte(r, 1) ~= 1 then return r end
  local idlen = string.byte(r, 10)
  if idlen >= 128 then idlen = idlen - 128 end
  local pos = 11 + idlen
  local parts = {string.sub(r, 1, pos - 1)}
  while pos <= #r do
    local tag, len, shift, p = string.byte(r, pos), 0, 1, pos + 1
    while true do
      local c = string.byte(r, p)
      if not c then return table.concat(parts) end
      p = p + 1
      len = len + (c % 128) * shift
      if c < 128 then break end
      shift = shift * 128
    end
    local stop = p + len - 1
    if stop > #r then return table.concat(parts) end
    if not drop[tag] then parts[#parts + 1] = string.sub(r, pos, stop) else hit[tag] = true end
    pos = stop + 1
  end
  return table.concat(parts)
end

if tags ~= '' then
  local drop = {}
  for i = 1, #tags do drop[string.byte(tags, i)] = true end
  local kind, recs = redis.call('TYPE', KEYS[3]).ok, {}
  if kind == 'list' then
    recs = redis.call('LRANGE', KEYS[3], 0, -1)
  elseif kind == 'string' then
    recs = {redis.call('GET', KEYS[3])}
  end
  for i, r in ipairs(recs) do
    local hit = {}
    local s = stripped(r, drop, hit)
    if s ~= r then
      if kind == 'list' then
        redis.call('LSET', KEYS[3], i - 1, s)
      else
        redis.call('SET', KEYS[3], s, 'KEEPTTL')
      end
      if since and #r >= 10 and recordMs(r) >= since then
        for tag in pairs(hit) do shown[index[tag]] = 1 end
      end
    end
  end
end
return {1, last, shown, was}
