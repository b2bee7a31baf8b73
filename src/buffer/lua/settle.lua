-- SETTLE: settles the records of a claimed batch and drops the batch and its lease.
-- KEYS[1]: {p}:seq. ARGV[1]: the {p} base.
-- ARGV[2]: options, JSON: {batchId, now, retentionSec, streamMaxLen}
--   retentionSec: how long the per-record outcome is kept (>= 1); streamMaxLen: the outcome stream's
--   approximate length cap (>= 1).
-- ARGV[3]: actions, a JSON array, one per record:
--   {key, action = 'done', outcome}                     write the outcome and release the record;
--   {key, action = 'retry', score, burn?, uncertain?}   put it back, eligible at score (epoch ms),
--     burning an attempt when burn; uncertain counts one more attempt that may have been applied;
--   {key, action = 'dead', outcome, dead}              write the outcome and dead-letter it.
--   An outcome is an object with a status (text).
-- Returns 'ok', or 'lost' when the batch's lease expired and the sweeper already put its records back
-- (nothing is changed then). Bad options or actions are refused with an error naming what is wrong,
-- before anything is written.
-- Writes: inflight, rec:<key> and dirty:<group> (retries), outcome:<key>, outcomes, counters
-- (outcome:<status>), dlq, dlq:index, leases, batch:<id>, groups, and the console's indexes
-- (console-index.lua).
--- @include "common"
--- @include "console-index"

local ok, opts = pcall(cjson.decode, ARGV[2] or '')
if not ok or type(opts) ~= 'table' then return refuse('settle', 'options must be a JSON object') end
local batchId = opts.batchId
if type(batchId) ~= 'string' or batchId == '' then return refuse('settle', 'batchId must be a non-empty string') end
local now, retention, maxLen = tonumber(opts.now), tonumber(opts.retentionSec), tonumber(opts.streamMaxLen)
if type(opts.now) ~= 'number' or now < 0 then return refuse('settle', 'now must be a number of at least 0') end
if type(opts.retentionSec) ~= 'number' or retention < 1 then
  return refuse('settle', 'retentionSec must be a number of at least 1')
end
if type(opts.streamMaxLen) ~= 'number' or maxLen < 1 then
  return refuse('settle', 'streamMaxLen must be a number of at least 1')
end
local decoded, actions = pcall(cjson.decode, ARGV[3] or '')
-- cjson reads an empty array as an empty object: both are a list of no actions.
if not decoded or type(actions) ~= 'table' or (next(actions) ~= nil and #actions == 0) then
  return refuse('settle', 'actions must be a JSON array')
end
for i, a in ipairs(actions) do
  local at = 'actions[' .. (i - 1) .. ']'
  if type(a) ~= 'table' or type(a.key) ~= 'string' or a.key == '' then
    return refuse('settle', at .. '.key must be a non-empty string')
  end
  if a.action == 'retry' then
    if type(a.score) ~= 'number' then return refuse('settle', at .. '.score must be a number') end
  elseif a.action == 'done' or a.action == 'dead' then
    if type(a.outcome) ~= 'table' or type(a.outcome.status) ~= 'string' then
      return refuse('settle', at .. '.outcome must be an object with a status')
    end
    if a.action == 'dead' and type(a.dead) ~= 'table' then return refuse('settle', at .. '.dead must be an object') end
  else
    return refuse('settle', at .. ".action must be 'done', 'retry' or 'dead', got " .. cjson.encode(a.action))
  end
end

local bk = K('batch:' .. batchId)
local b = redis.call('HMGET', bk, 'group', 'entries')
if not b[1] then return 'lost' end
local byKey = {}
for _, e in ipairs(cjson.decode(b[2])) do byKey[e.key] = e end
for _, a in ipairs(actions) do
  local e = byKey[a.key]
  if e and redis.call('HGET', K('inflight'), a.key) == batchId then
    redis.call('HDEL', K('inflight'), a.key)
    if a.action == 'retry' then
      if a.uncertain then e.uncertain = (tonumber(e.uncertain) or 0) + 1 end
      putBack(b[1], e, a.score, a.burn)
    else
      local o = cjson.encode(a.outcome)
      redis.call('SET', K('outcome:' .. a.key), o, 'EX', retention)
      redis.call('XADD', K('outcomes'), 'MAXLEN', '~', maxLen, '*', 'key', a.key, 'outcome', o)
      redis.call('HINCRBY', K('counters'), 'outcome:' .. a.outcome.status, 1)
      consoleIndex(a.key, a.outcome, a.dead, now)
      if a.action == 'dead' then
        a.dead.entry = foldEntry(e)
        a.dead.group = b[1]
        redis.call('HSET', K('dlq'), a.key, cjson.encode(a.dead))
        redis.call('ZADD', K('dlq:index'), now, a.key)
      end
    end
  end
end
consoleTrim(now)
redis.call('ZREM', K('leases'), batchId)
redis.call('DEL', bk)
return 'ok'
