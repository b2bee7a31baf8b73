-- SWEEP: puts back the records of batches whose lease expired (their worker died or hung) and drops
-- those batches. Nobody knows whether such a batch's call reached Marketo, so each record counts one
-- more uncertain attempt: the sender's delivery policy decides whether it may be sent again.
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: now; ARGV[3]: the most batches to recover.
-- Returns how many batches it recovered.
-- Writes: leases, batch:<id>, inflight, rec:<key>, dirty:<group>, groups, counters (recovered_batches).
--- @include "common"

local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', K('leases'), '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  local b = redis.call('HMGET', K('batch:' .. id), 'group', 'entries')
  if b[1] then
    for _, e in ipairs(cjson.decode(b[2])) do
      if redis.call('HGET', K('inflight'), e.key) == id then
        redis.call('HDEL', K('inflight'), e.key)
        e.uncertain = (tonumber(e.uncertain) or 0) + 1
        putBack(b[1], e, now, true)
      end
    end
  end
  redis.call('DEL', K('batch:' .. id))
  redis.call('ZREM', K('leases'), id)
end
if #expired > 0 then redis.call('HINCRBY', K('counters'), 'recovered_batches', #expired) end
return #expired
