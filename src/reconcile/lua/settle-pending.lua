-- SETTLE_PENDING: counts the outcomes of a reconcile run's pending records and removes them.
-- KEYS[1]: {p}:rc:run:<id>:pending; KEYS[2]: {p}:rc:run:<id>; KEYS[3]: {p}:rc:run:<id>:failed.
-- ARGV[1]: how many failed keys to keep; ARGV[2..]: per record: key, verdict ('c' confirmed, 'f'
-- failed), the pending entry that was settled.
-- Pending entries are removed and counted in one step, so a record is counted once even when two
-- confirmations race (a resumed run and a late one) or a crash repeats one. An entry is removed only if
-- it is still the one settled: a checkpoint may have replaced it meanwhile with a later enqueue of the
-- same record (a record twice in one export), which awaits an outcome of its own; the settled one is
-- still counted.
-- Returns 1. Writes: KEYS[1] (fields removed), KEYS[2] (confirmed, failed), KEYS[3] (failed keys).

local kept = tonumber(ARGV[1])
for i = 2, #ARGV, 3 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if current == ARGV[i + 2] then redis.call('HDEL', KEYS[1], ARGV[i]) end
  if current then
    if ARGV[i + 1] == 'c' then
      redis.call('HINCRBY', KEYS[2], 'confirmed', 1)
    else
      redis.call('HINCRBY', KEYS[2], 'failed', 1)
      if redis.call('LLEN', KEYS[3]) < kept then redis.call('RPUSH', KEYS[3], ARGV[i]) end
    end
  end
end
return 1
