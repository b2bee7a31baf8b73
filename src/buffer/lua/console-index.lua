-- Console indexes (included by settle.lua after "common", which defines K; the console's resolve
-- script includes it too). consoleIndex(key, outcome, dead, now) indexes a record's latest outcome
-- (un-indexing its previous one) and counts it in a per-minute bucket kept 90000 s (a day and an hour,
-- so a 24-hour chart is always full); consoleTrim(now) evicts records past the retention or over the
-- count, at most 1000 per call so a settle stays short. Settings come from the console:cfg hash the
-- worker writes at start (retention, max; max 0 turns indexing off). Key names match
-- src/console/console-keys.ts.
-- Writes: console:m:<minute>, console:t, console:s:<status>, console:c:<code>, console:d:<field>,
-- console:id, console:f, console:res, console:dlq:s|c|d:<value>, console:dlq:names.
local cxCfg = redis.call('HMGET', K('console:cfg'), 'retention', 'max')
local cxRetention = tonumber(cxCfg[1] or '604800')
local cxMax = tonumber(cxCfg[2] or '1000000')
local function cxText(v)
  if type(v) == 'number' then return string.format('%d', v) end
  if type(v) == 'string' then return v end
  return ''
end
local function cxUnindex(key)
  local f = redis.call('HGET', K('console:f'), key)
  if not f then return end
  local s, c, d, id = string.match(f, '^([^\n]*)\n([^\n]*)\n([^\n]*)\n(.*)$')
  if s and s ~= '' then redis.call('ZREM', K('console:s:' .. s), key) end
  if c and c ~= '' then redis.call('ZREM', K('console:c:' .. c), key) end
  if d and d ~= '' then redis.call('ZREM', K('console:d:' .. d), key) end
  if id and id ~= '' and redis.call('HGET', K('console:id'), id) == key then redis.call('HDEL', K('console:id'), id) end
  redis.call('HDEL', K('console:f'), key)
end
-- An evicted record's verdict goes too (the audit list keeps it).
local function cxEvict(key)
  cxUnindex(key)
  redis.call('ZREM', K('console:t'), key)
  redis.call('HDEL', K('console:res'), key)
end
local function consoleIndex(key, o, dead, now)
  local s = cxText(o.status)
  local minute = K('console:m:' .. string.format('%d', math.floor(now / 60000)))
  redis.call('HINCRBY', minute, s, 1)
  redis.call('EXPIRE', minute, 90000)
  if cxMax <= 0 then return end
  cxUnindex(key)
  local c, d = '', ''
  if type(dead) == 'table' then
    c = cxText(dead.code)
    d = string.gsub(cxText(dead.field), '\n', ' ')
    redis.call('ZADD', K('console:dlq:s:' .. s), now, key)
    redis.call('SADD', K('console:dlq:names'), 's:' .. s)
    if c ~= '' then redis.call('ZADD', K('console:dlq:c:' .. c), now, key); redis.call('SADD', K('console:dlq:names'), 'c:' .. c) end
    if d ~= '' then redis.call('ZADD', K('console:dlq:d:' .. d), now, key); redis.call('SADD', K('console:dlq:names'), 'd:' .. d) end
  end
  local id = string.gsub(cxText(o.id), '\n', ' ')
  redis.call('ZADD', K('console:t'), now, key)
  redis.call('ZADD', K('console:s:' .. s), now, key)
  if c ~= '' then redis.call('ZADD', K('console:c:' .. c), now, key) end
  if d ~= '' then redis.call('ZADD', K('console:d:' .. d), now, key) end
  if id ~= '' then redis.call('HSET', K('console:id'), id, key) end
  redis.call('HSET', K('console:f'), key, s .. '\n' .. c .. '\n' .. d .. '\n' .. id)
end
local function consoleTrim(now)
  if cxMax <= 0 then return end
  local old = redis.call('ZRANGEBYSCORE', K('console:t'), '-inf', now - cxRetention * 1000, 'LIMIT', 0, 1000)
  for _, key in ipairs(old) do cxEvict(key) end
  local over = redis.call('ZCARD', K('console:t')) - cxMax
  if over > 0 then
    for _, key in ipairs(redis.call('ZRANGE', K('console:t'), 0, math.min(over, 1000) - 1)) do
      cxEvict(key)
    end
  end
end
