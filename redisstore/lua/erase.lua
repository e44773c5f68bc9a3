-- Deletes every key of one customer in one atomic step. KEYS are the
-- customer's keys; ARGV[i] names the kind of KEYS[i]. Then, optionally,
-- ARGV[#KEYS + 1] is the index in KEYS of a hash and the ARGV after it
-- fields of that hash to read just before it is deleted.
-- Returns {counts, fields}: counts, per kind, how many keys existed and
-- were deleted, as a flat list kind, count, ...; fields the values of the
-- fields read ('' when absent), in order.
local read = {}
local at = tonumber(ARGV[#KEYS + 1])
if at and KEYS[at] then
  for i = #KEYS + 2, #ARGV do read[#read + 1] = redis.call('HGET', KEYS[at], ARGV[i]) or '' end
end
local counts, order = {}, {}
for i = 1, #KEYS do
  local kind = ARGV[i]
  if counts[kind] == nil then
    counts[kind] = 0
    order[#order + 1] = kind
  end
  counts[kind] = counts[kind] + redis.call('DEL', KEYS[i])
end
local out = {}
for _, kind in ipairs(order) do
  out[#out + 1] = kind
  out[#out + 1] = counts[kind]
end
return {out, read}
