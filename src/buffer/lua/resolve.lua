-- RESOLVE: an operator's verdict on a record whose create may or may not have been applied
-- (INDETERMINATE, PROBABLY_CREATED), in one atomic step: the verdict is kept with who and when
-- (console:res) and the audit list gets a line (console:audit, capped). 'created': the dead letter
-- (if any) is dropped and the outcome becomes CREATED with a note saying who confirmed it, indexed like
-- any outcome. 'resend': only the verdict is kept; the caller then redrives the dead letter, which
-- clears the doubt so that the create is sent again.
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base. ARGV[2]: options, JSON:
--   {key, verdict = 'created'|'resend', by, now, retentionSec, streamMaxLen, auditMax, id?, note}
--   id: the Marketo id an operator found ('' or absent: none); note: the outcome's note for 'created'.
-- Returns {'ok', verdict}, {'unknown', ''} (no outcome kept) or {'refused', why}.
-- Writes: console:res, console:audit; for 'created' also outcome:<key>, outcomes, counters, dlq,
-- dlq:index and the console's indexes (console-index.lua).
--- @include "common"
--- @include "console-index"

local ok, o = pcall(cjson.decode, ARGV[2] or '')
if not ok or type(o) ~= 'table' then return refuse('resolve', 'options must be a JSON object') end
local key, verdict, who, now = o.key, o.verdict, o.by, o.now
if type(key) ~= 'string' or key == '' then return refuse('resolve', 'key must be a non-empty string') end
if verdict ~= 'created' and verdict ~= 'resend' then
  return refuse('resolve', "verdict must be 'created' or 'resend', got " .. cjson.encode(verdict))
end
if type(who) ~= 'string' or who == '' then return refuse('resolve', 'by must be a non-empty string') end
if type(now) ~= 'number' or now < 0 then return refuse('resolve', 'now must be a number of at least 0') end
if type(o.retentionSec) ~= 'number' or o.retentionSec < 1 then
  return refuse('resolve', 'retentionSec must be a number of at least 1')
end
if type(o.streamMaxLen) ~= 'number' or o.streamMaxLen < 1 then
  return refuse('resolve', 'streamMaxLen must be a number of at least 1')
end
if type(o.auditMax) ~= 'number' or o.auditMax < 1 then
  return refuse('resolve', 'auditMax must be a number of at least 1')
end
local mid = o.id
if mid ~= nil and type(mid) ~= 'string' then return refuse('resolve', 'id must be a string') end

local raw = redis.call('GET', K('outcome:' .. key))
if not raw then return {'unknown', ''} end
local outcome = cjson.decode(raw)
if outcome.status ~= 'INDETERMINATE' and outcome.status ~= 'PROBABLY_CREATED' then
  return {'refused', 'status ' .. tostring(outcome.status)}
end
local dead = redis.call('HEXISTS', K('dlq'), key) == 1
if verdict == 'resend' and not dead then return {'refused', 'not a dead letter: nothing to send again'} end
redis.call('HSET', K('console:res'), key,
  cjson.encode({verdict = verdict, by = who, at = now, previous = outcome.status}))
redis.call('LPUSH', K('console:audit'),
  cjson.encode({action = 'resolve', key = key, verdict = verdict, by = who, at = now}))
redis.call('LTRIM', K('console:audit'), 0, o.auditMax - 1)
if verdict == 'created' then
  if dead then
    redis.call('HDEL', K('dlq'), key)
    redis.call('ZREM', K('dlq:index'), key)
  end
  outcome.status = 'CREATED'
  outcome.note = o.note
  outcome.error = cjson.null
  outcome.at = now
  if mid ~= nil and mid ~= '' then outcome.id = tonumber(mid) or mid end
  local enc = cjson.encode(outcome)
  redis.call('SET', K('outcome:' .. key), enc, 'EX', o.retentionSec)
  redis.call('XADD', K('outcomes'), 'MAXLEN', '~', o.streamMaxLen, '*', 'key', key, 'outcome', enc)
  redis.call('HINCRBY', K('counters'), 'console_resolved_created', 1)
  consoleIndex(key, outcome, nil, now)
end
return {'ok', verdict}
