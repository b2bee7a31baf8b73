-- RELEASE_LOCK: releases a reconcile set's lock if the run still holds it.
-- KEYS[1]: {p}:rc:lock:<set>. ARGV[1]: the run id.
-- Returns 1 when released, else 0. Writes: KEYS[1] (deleted).

if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
