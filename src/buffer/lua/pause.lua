-- PAUSE: pauses every worker until a time (never shortens a longer pause).
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: until (epoch ms).
-- Returns the pause in force (epoch ms).
-- Writes: pause (expiring at that time).
--- @include "common"

local cur = tonumber(redis.call('GET', K('pause')) or '0')
local untilMs = tonumber(ARGV[2])
if untilMs > cur then redis.call('SET', K('pause'), untilMs, 'PXAT', untilMs) end
return math.max(cur, untilMs)
