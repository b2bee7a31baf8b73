-- REDRIVE: puts dead-lettered records back as pending. A redrive is the operator's decision to send
-- again, so it clears the doubt an indeterminate attempt left ('uncertain'): an INDETERMINATE create is
-- then sent like a new one.
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: now; ARGV[3..]: record keys (none: every one).
-- Returns the keys redriven.
-- Writes: dlq, dlq:index, rec:<key>, dirty:<group>, groups.
--- @include "common"

local now = tonumber(ARGV[2])
local keys = {}
if #ARGV == 2 then keys = redis.call('HKEYS', K('dlq')) else for i = 3, #ARGV do keys[#keys + 1] = ARGV[i] end end
local done = {}
for _, key in ipairs(keys) do
  local raw = redis.call('HGET', K('dlq'), key)
  if raw then
    local d = cjson.decode(raw)
    d.entry.attempts = 0
    d.entry.uncertain = nil
    redis.call('HDEL', K('rec:' .. key), 'uncertain')
    putBack(d.group, d.entry, now, false)
    redis.call('SADD', K('groups'), d.group)
    redis.call('HDEL', K('dlq'), key)
    redis.call('ZREM', K('dlq:index'), key)
    done[#done + 1] = key
  end
end
return done
