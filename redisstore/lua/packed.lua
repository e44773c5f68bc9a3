-- The packed copy of a set is what the gated read returns in one string
-- (read_state.lua): every member once, as '\n' member '\t' score, in no
-- particular order. It holds exactly the set's members and scores:
-- ingest.lua updates it in place for the members it adds or trims (or
-- writes it anew from the set when it has no copy yet or changes many
-- members), pack_set.lua writes it for a set stored before the copies;
-- whatever else changes a set deletes the copy (the read then reads the
-- set itself). Member IDs hold no '\n' or '\t' (candor.ValidateID).

-- drop removes member's entry from packed copy p.
local function drop(p, member)
  local i, j = string.find(p, '\n' .. member .. '\t', 1, true)
  if not i then return p end
  local k = string.find(p, '\n', j + 1, true)
  if k then return string.sub(p, 1, i - 1) .. string.sub(p, k) end
  return string.sub(p, 1, i - 1)
end

-- pack writes set key's packed copy pkey anew, or updates it in place for
-- the members of c (added or rescored: member, score, ...) and gone
-- (trimmed); the copy expires in ttl seconds (nil: never).
local function pack(key, pkey, c, gone, ttl)
  local p = redis.call('GET', pkey)
  if p and #c / 2 + #gone <= 64 then
    for i = 1, #c, 2 do p = drop(p, c[i]) .. '\n' .. c[i] .. '\t' .. c[i + 1] end
    for _, m in ipairs(gone) do p = drop(p, m) end
  else
    local zs, parts = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES'), {}
    for i = 1, #zs, 2 do parts[#parts + 1] = '\n' .. zs[i] .. '\t' .. zs[i + 1] end
    p = table.concat(parts)
  end
  if p == '' then
    redis.call('DEL', pkey)
  elseif ttl then
    redis.call('SET', pkey, p, 'EX', ttl)
  else
    redis.call('SET', pkey, p)
  end
end

