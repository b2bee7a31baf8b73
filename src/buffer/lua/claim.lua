-- CLAIM: cuts a batch of one group if the shared gates allow a call now.
-- KEYS[1]: {p}:seq (routes the call to the hash tag's slot).
-- ARGV[1]: the {p} base.
-- ARGV[2]: options, JSON: {group, now, maxBatch, lingerMs, maxActive, rateMax, rateWindowMs, leaseMs,
--   batchId, flush, quietMs}
--   group: a batch group of the vocabulary; now: epoch ms; maxBatch: largest batch (>= 1);
--   lingerMs: how long the oldest record may wait for a full batch; maxActive: calls in flight across
--   workers (0 = off); rateMax: calls per rateWindowMs (0 = off); leaseMs: the batch's lease (> 0);
--   batchId: the new batch's id; flush: do not wait for a full batch; quietMs: hold a record until its
--   last change is this old (0 = off).
-- A batch goes when it is full, or when the oldest record waited lingerMs (it then fills oldest first).
-- While neither holds, only records whose last change is quietMs old count towards a full batch:
-- holding records that still change is what turns a hot stream into few calls.
-- Returns {'batch', id, entriesJson} or {reason, untilMs}: paused, stopped, busy, rate, linger, idle.
-- Bad options are refused with an error naming the option, before anything is read or written.
-- Writes: dirty:<group>, rec:<key> (deleted), inflight, batch:<id>, leases, rate.
--- @include "common"

local ok, opts = pcall(cjson.decode, ARGV[2] or '')
if not ok or type(opts) ~= 'table' then return refuse('claim', 'options must be a JSON object') end
-- Each number option and its least value.
local MIN = { {'now', 0}, {'maxBatch', 1}, {'lingerMs', 0}, {'maxActive', 0}, {'rateMax', 0},
  {'rateWindowMs', 0}, {'leaseMs', 1}, {'quietMs', 0} }
for _, m in ipairs(MIN) do
  local v = opts[m[1]]
  if type(v) ~= 'number' or v ~= v or v < m[2] or v == math.huge then
    return refuse('claim', m[1] .. ' must be a number of at least ' .. m[2] .. ', got ' .. cjson.encode(v))
  end
end
local group = opts.group
if type(group) ~= 'string' or not isGroup(group) then
  return refuse('claim', 'group must be a batch group of the vocabulary, got ' .. cjson.encode(group))
end
local now, maxBatch, linger = opts.now, opts.maxBatch, opts.lingerMs
local maxActive, rateMax, rateWindow = opts.maxActive, opts.rateMax, opts.rateWindowMs
local leaseMs, quiet = opts.leaseMs, opts.quietMs
local batchId = opts.batchId
if type(batchId) ~= 'string' or batchId == '' then return refuse('claim', 'batchId must be a non-empty string') end
local flush = opts.flush == true

local pause = tonumber(redis.call('GET', K('pause')) or '0')
if pause > now then return {'paused', tostring(pause)} end
local stop = redis.call('GET', K('stop'))
if stop then return {'stopped', stop} end
if maxActive > 0 and redis.call('ZCOUNT', K('leases'), '(' .. now, '+inf') >= maxActive then return {'busy', '0'} end
local dirty = K('dirty:' .. group)
local ready = redis.call('ZCOUNT', dirty, '-inf', now)
if ready == 0 then
  local nxt = redis.call('ZRANGE', dirty, 0, 0, 'WITHSCORES')
  return {'idle', nxt[2] or '-1'}
end
local oldest = tonumber(redis.call('ZRANGE', dirty, 0, 0, 'WITHSCORES')[2])
if ready < maxBatch and not flush and oldest + linger > now then return {'linger', tostring(oldest + linger)} end
if rateMax > 0 then
  redis.call('ZREMRANGEBYSCORE', K('rate'), '-inf', now - rateWindow)
  if redis.call('ZCARD', K('rate')) >= rateMax then
    local first = redis.call('ZRANGE', K('rate'), 0, 0, 'WITHSCORES')
    return {'rate', tostring(tonumber(first[2]) + rateWindow)}
  end
end
-- Once the oldest record waited the linger time, the batch fills oldest first whatever still changes.
local hold = quiet > 0 and not flush and oldest + linger > now
-- While holding, look at most this many candidates per claim, so a hot backlog stays cheap.
local scanMax = hold and maxBatch * 4 or math.huge
local entries, offset, scanned = {}, 0, 0
local holdUntil = oldest + linger
while #entries < maxBatch and scanned < scanMax do
  local cand = redis.call('ZRANGEBYSCORE', dirty, '-inf', now, 'LIMIT', offset, maxBatch)
  if #cand == 0 then break end
  for _, key in ipairs(cand) do
    scanned = scanned + 1
    if #entries < maxBatch and redis.call('HEXISTS', K('inflight'), key) == 0 then
      local r = readRec(K('rec:' .. key))
      local quietAt = hold and r.at + quiet or 0
      if quietAt > now then
        holdUntil = math.min(holdUntil, quietAt)
      else
        entries[#entries + 1] = { key = key, data = cjson.decode(r.data), more = r.more, first = r.first, last = r.last,
          count = r.count, t0 = r.t0, attempts = r.attempts, uncertain = r.uncertain }
      end
    end
  end
  offset = offset + #cand
end
if hold and #entries < maxBatch then return {'linger', tostring(holdUntil)} end
if #entries == 0 then return {'idle', tostring(now + linger)} end
for _, e in ipairs(entries) do
  redis.call('ZREM', dirty, e.key)
  redis.call('DEL', K('rec:' .. e.key))
  redis.call('HSET', K('inflight'), e.key, batchId)
end
local json = cjson.encode(entries)
redis.call('HSET', K('batch:' .. batchId), 'group', group, 'entries', json, 'created', now)
redis.call('ZADD', K('leases'), now + leaseMs, batchId)
if rateMax > 0 then redis.call('ZADD', K('rate'), now, batchId) end
return {'batch', batchId, json}
