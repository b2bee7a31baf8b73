-- PAUSE: pauses every worker until a time (never shortens a longer pause).
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: until (epoch ms).
-- ARGV[3], ARGV[4] (optional, a rate throttle): now and the rate window (ms). Marketo's window is full:
-- it frees a call when the oldest call of the window leaves it, which is about when the oldest token of
-- `rate` (the shared limiter's calls) leaves ours. The pause then ends RATE_MARGIN_MS after that (for
-- the time a call takes to reach Marketo), at least MIN_RATE_PAUSE_MS from now, at most `until`.
-- Returns the pause in force (epoch ms).
-- Reads: rate. Writes: pause (expiring at that time).
--- @include "common"

local RATE_MARGIN_MS, MIN_RATE_PAUSE_MS = 1000, 1000
local cur = tonumber(redis.call('GET', K('pause')) or '0')
local untilMs = tonumber(ARGV[2])
if ARGV[4] then
  local now, window = tonumber(ARGV[3]), tonumber(ARGV[4])
  local oldest = redis.call('ZRANGEBYSCORE', K('rate'), now - window, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if oldest[2] then
    untilMs = math.min(untilMs, math.max(now + MIN_RATE_PAUSE_MS, tonumber(oldest[2]) + window + RATE_MARGIN_MS))
  end
end
if untilMs > cur then redis.call('SET', K('pause'), untilMs, 'PXAT', untilMs) end
return math.max(cur, untilMs)
