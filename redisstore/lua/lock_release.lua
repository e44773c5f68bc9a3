-- Releases a lock held by the caller (compare and delete): a lock that
-- expired and was taken by another replica is left alone.
-- KEYS[1] the lock. ARGV[1] token.
-- Returns 1 when released, 0 when the lock is not the caller's.
-- Touches no other key.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
