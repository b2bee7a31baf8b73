-- TAKE_TOKEN: one more rate token for a call inside an already claimed batch (a split call).
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base.
-- ARGV[2]: now (epoch ms); ARGV[3]: rateMax (0 = off); ARGV[4]: rateWindowMs; ARGV[5]: the member.
-- Returns 0 when taken (or no rate limit), else the ms to wait.
-- Writes: rate.
--- @include "common"

local now, rateMax, rateWindow, member = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local pause = tonumber(redis.call('GET', K('pause')) or '0')
if pause > now then return pause - now end
if rateMax <= 0 then return 0 end
redis.call('ZREMRANGEBYSCORE', K('rate'), '-inf', now - rateWindow)
if redis.call('ZCARD', K('rate')) >= rateMax then
  local first = redis.call('ZRANGE', K('rate'), 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(first[2]) + rateWindow - now)
end
redis.call('ZADD', K('rate'), now, member)
return 0
