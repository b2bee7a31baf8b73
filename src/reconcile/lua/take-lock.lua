-- TAKE_LOCK: takes or renews a reconcile set's lock for a run.
-- KEYS[1]: {p}:rc:lock:<set>. ARGV[1]: the run id; ARGV[2]: the lock's lifetime (ms).
-- Returns '' when taken, else the run that holds it. Writes: KEYS[1].

local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ''
end
return holder
