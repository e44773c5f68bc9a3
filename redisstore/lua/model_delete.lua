-- Deletes stored model versions, artifact and description together, but
-- never the live one (it may have been made live since the caller listed
-- the versions).
-- KEYS[1] the model descriptions hash, KEYS[2] the live pointer, then per
-- version its artifact key; ARGV the versions, in the same order. All keys
-- share the {shared} hash tag.
-- Returns the number of versions deleted. Touches no other key.
local live = redis.call('GET', KEYS[2])
local n = 0
for i, v in ipairs(ARGV) do
  if v ~= live then
    redis.call('DEL', KEYS[2 + i])
    n = n + redis.call('HDEL', KEYS[1], v)
  end
end
return n
