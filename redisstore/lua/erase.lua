-- Deletes every key of one customer in one atomic step. KEYS are the
-- customer's keys; ARGV[i] names the kind of KEYS[i]. Returns, per kind,
-- how many keys existed and were deleted, as a flat list kind, count, ...
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
return out
