-- Replaces one profile feature set (declared, location, demographics) if
-- and only if its scope is granted now. KEYS[1] consent hash, KEYS[2] the
-- set's HASH. ARGV[5] scope, ARGV[6] TTL (s), then field/value pairs.
-- Returns '' when stored, else the consent reason it was refused for.
local scope = ARGV[5]
local why = reason(scope, redis.call('HGET', KEYS[1], scope) or nil)
if why ~= '' then return why end
redis.call('DEL', KEYS[2])
local fields = {}
for j = 7, #ARGV, 2 do
  if ARGV[j + 1] ~= '' then
    fields[#fields + 1] = ARGV[j]
    fields[#fields + 1] = ARGV[j + 1]
  end
end
if #fields > 0 then
  redis.call('HSET', KEYS[2], unpack(fields))
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
end
return ''
