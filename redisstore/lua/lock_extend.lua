-- Extends a lock held by the caller: the lease is renewed only if the
-- lock still holds the caller's token (it may have expired and been taken
-- by another replica meanwhile).
-- KEYS[1] the lock. ARGV[1] token, ARGV[2] lease (ms).
-- Returns 1 when extended, 0 when the lock is not the caller's.
-- Touches no other key.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
