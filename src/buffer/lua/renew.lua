-- RENEW: extends a live lease.
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: batchId; ARGV[3]: now; ARGV[4]: leaseMs.
-- Returns 1, or 0 when the batch is gone (settled, or recovered by the sweeper).
-- Writes: leases.
--- @include "common"

if not redis.call('ZSCORE', K('leases'), ARGV[2]) then return 0 end
redis.call('ZADD', K('leases'), tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[2])
return 1
