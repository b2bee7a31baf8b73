/**
 * The buffer's Lua scripts. Each runs atomically in Redis, so coalescing, claiming a batch (with the
 * shared rate and concurrency gates), settling outcomes and recovering crashed batches never race.
 * KEYS[1] is always the sequence counter: it routes the call to the slot of the `{prefix}` hash tag,
 * and every other key is built from ARGV[1], the same `{prefix}` base.
 *
 * Record state is JSON with string attribute values (never numbers: cjson would round them).
 */

/** Shared helpers: the merge rules of coalescing, and putting a snapshot back under newer changes. */
const COMMON = `
local base = ARGV[1]
local function K(s) return base .. ':' .. s end

-- Attribute-level last-writer-wins; Program cost and tag entries accumulate; associations by type.
local function merge(old, new)
  for k, v in pairs(new) do
    if k == 'attributes' and type(v) == 'table' and type(old[k]) == 'table' then
      for a, av in pairs(v) do old[k][a] = av end
    elseif k == 'typeAttributes' and type(v) == 'table' and type(old[k]) == 'table' then
      for _, t in ipairs(v) do table.insert(old[k], t) end
    elseif k == 'associations' and type(v) == 'table' and type(old[k]) == 'table' then
      for _, a in ipairs(v) do
        local replaced = false
        for j, b in ipairs(old[k]) do
          if b.mObjType == a.mObjType then old[k][j] = a; replaced = true end
        end
        if not replaced then table.insert(old[k], a) end
      end
    else
      old[k] = v
    end
  end
  return old
end

-- An UPDATE merged with an UPSERT must still create: the merged change is an UPSERT, in b's (the
-- newer) naming: 'O:<type>:' today, 'O:' in the groups of releases before the transport seam.
local function upgrade(a, b)
  if a == b then return a end
  local _, oa = string.match(a, '^(O:.-)(%u+)$')
  local bb, ob = string.match(b, '^(O:.-)(%u+)$')
  if (oa == 'UPDATE' and ob == 'UPSERT') or (oa == 'UPSERT' and ob == 'UPDATE') then return bb .. 'UPSERT' end
  return b
end

-- Puts a batch entry back as pending, under any newer change that arrived meanwhile. An entry that an
-- indeterminate attempt may already have applied keeps that memory ('uncertain': how many such attempts).
local function putBack(group, e, score, burn)
  local rk = K('rec:' .. e.key)
  local cur = redis.call('HMGET', rk, 'group', 'data', 'count', 'last', 'first', 'at', 't0')
  local attempts = tonumber(e.attempts) + (burn and 1 or 0)
  if e.uncertain then redis.call('HSET', rk, 'uncertain', e.uncertain) end
  if cur[1] then
    local g = upgrade(group, cur[1])
    local merged = merge(e.data, cjson.decode(cur[2]))
    -- A record fresh from ENQUEUE has no last or count yet (they default to first and 1).
    redis.call('HSET', rk, 'group', g, 'data', cjson.encode(merged), 'first', e.first, 'last', cur[4] or cur[5],
      'count', tonumber(e.count) + tonumber(cur[3] or '1'), 't0', e.t0, 'attempts', attempts, 'at', cur[6] or cur[7])
    redis.call('ZREM', K('dirty:' .. cur[1]), e.key)
    redis.call('ZADD', K('dirty:' .. g), score, e.key)
    redis.call('SADD', K('groups'), g)
  else
    redis.call('HSET', rk, 'group', group, 'data', cjson.encode(e.data), 'first', e.first, 'last', e.last,
      'count', e.count, 't0', e.t0, 'attempts', attempts)
    redis.call('ZADD', K('dirty:' .. group), score, e.key)
  end
end
`;

/**
 * ARGV: base, now, idempotency window in ms (0: no change of this call carries a key), then per change
 * (key, group, data), followed by its idempotency key ('' for none) when the window is not 0. A key
 * ending in '#' never merges: its sequence number is appended.
 * A change whose idempotency key is remembered (written within the window, or earlier in this call) is
 * not written again: it is answered with the reference it was first written at. The others take
 * consecutive sequence numbers (one INCRBY), so the reply is {lastSeq, merged} followed by
 * (position, 'seq key') for each answered from memory: the caller derives every other change's number
 * and key. Nothing is written before the INCRBY, so a refusal at the first write (OOM) writes nothing.
 */
export const ENQUEUE = `${COMMON}
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
-- Redis formats a number argument with printf's %.17g on every call: format the time once.
local nowText = string.format('%.17g', now)
local stride = window > 0 and 4 or 3
local n = (#ARGV - 3) / stride
local replay, fresh = {}, n
if window > 0 then
  local firstAt = {}
  for i = 1, n do
    local idem = ARGV[3 + i * 4]
    if idem ~= '' then
      if firstAt[idem] then
        replay[i] = firstAt[idem]
        fresh = fresh - 1
      else
        local ref = redis.call('GET', K('idem:' .. idem))
        if ref then replay[i] = ref; fresh = fresh - 1 else firstAt[idem] = i end
      end
    end
  end
end
local seq = redis.call('INCRBY', KEYS[1], fresh) - fresh
local merged = 0
local groups = {}
local out = {0, 0}
local refs = {}
for i = 1, n do
  local p = 3 + (i - 1) * stride
  local r = replay[i]
  if r then
    if type(r) == 'number' then r = refs[r] end
    out[#out + 1] = i
    out[#out + 1] = r
  else
    local key, group, data = ARGV[p + 1], ARGV[p + 2], ARGV[p + 3]
    seq = seq + 1
    if string.byte(key, -1) == 35 then key = key .. seq end
    local rk = K('rec:' .. key)
    local cur = redis.call('HMGET', rk, 'group', 'data', 'count')
    if cur[1] then
      local g = upgrade(cur[1], group)
      if g ~= cur[1] then
        local score = redis.call('ZSCORE', K('dirty:' .. cur[1]), key)
        redis.call('ZREM', K('dirty:' .. cur[1]), key)
        redis.call('ZADD', K('dirty:' .. g), score or now, key)
        redis.call('HSET', rk, 'group', g)
        groups[g] = true
      end
      redis.call('HSET', rk, 'data', cjson.encode(merge(cjson.decode(cur[2]), cjson.decode(data))),
        'last', seq, 'count', tonumber(cur[3] or '1') + 1, 'at', nowText)
      merged = merged + 1
    else
      -- A new record leaves last, count, attempts and at absent (meaning first, 1, 0 and t0): less work.
      redis.call('HSET', rk, 'group', group, 'data', data, 'first', seq, 't0', nowText)
      redis.call('ZADD', K('dirty:' .. group), 'NX', nowText, key)
      groups[group] = true
    end
    if stride == 4 and ARGV[p + 4] ~= '' then
      refs[i] = string.format('%d', seq) .. ' ' .. key
      redis.call('SET', K('idem:' .. ARGV[p + 4]), refs[i], 'PX', window)
    end
  end
end
for g in pairs(groups) do redis.call('SADD', K('groups'), g) end
if fresh > 0 then redis.call('HINCRBY', K('counters'), 'accepted', fresh) end
if merged > 0 then redis.call('HINCRBY', K('counters'), 'coalesced', merged) end
if #out > 2 then redis.call('HINCRBY', K('counters'), 'replayed', (#out - 2) / 2) end
out[1] = seq
out[2] = merged
return out
`;

/**
 * ARGV: base, group, now, maxBatch, lingerMs, maxActive (0 = off), rateMax (0 = off), rateWindowMs,
 * leaseMs, batchId, flush (1 = do not wait for a full batch), quietMs (0 = off).
 * A batch goes when it is full, or when the oldest record waited lingerMs (it then fills oldest first).
 * While neither holds, only records whose last change is quietMs old count towards a full batch:
 * holding records that still change is what turns a hot stream into few calls.
 * Returns {'batch', id, entriesJson} or {reason, untilMs}: paused, stopped, busy, rate, linger, idle.
 */
export const CLAIM = `${COMMON}
local group, now, maxBatch, linger = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxActive, rateMax, rateWindow = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local leaseMs, batchId, flush = tonumber(ARGV[9]), ARGV[10], ARGV[11] == '1'
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
local quiet = tonumber(ARGV[12] or '0')
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
      local r = redis.call('HMGET', K('rec:' .. key), 'data', 'first', 'last', 'count', 't0', 'attempts', 'at', 'uncertain')
      local quietAt = hold and tonumber(r[7] or r[5]) + quiet or 0
      if quietAt > now then
        holdUntil = math.min(holdUntil, quietAt)
      else
        entries[#entries + 1] = { key = key, data = cjson.decode(r[1]), first = tonumber(r[2]), last = tonumber(r[3] or r[2]),
          count = tonumber(r[4] or '1'), t0 = tonumber(r[5]), attempts = tonumber(r[6] or '0'), uncertain = tonumber(r[8]) }
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
`;

/**
 * Takes one more rate token for a call inside an already claimed batch (a split after a poison fault).
 * ARGV: base, now, rateMax, rateWindowMs, member. Returns 0 when taken, else the ms to wait.
 */
export const TAKE_TOKEN = `${COMMON}
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
`;

/**
 * ARGV: base, batchId, now, retentionSec, streamMaxLen, actionsJson. Each action:
 * {key, action: 'done'|'retry'|'dead', score?, burn?, uncertain?, outcome?, dead?}. A retry with
 * `uncertain` counts one more attempt that may have been applied. Returns 'ok' or 'lost' (the batch's
 * lease expired and the sweeper already put its records back).
 */
export const SETTLE = `${COMMON}
local batchId, now, retention, maxLen = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local bk = K('batch:' .. batchId)
local b = redis.call('HMGET', bk, 'group', 'entries')
if not b[1] then return 'lost' end
local byKey = {}
for _, e in ipairs(cjson.decode(b[2])) do byKey[e.key] = e end
for _, a in ipairs(cjson.decode(ARGV[6])) do
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
      if a.action == 'dead' then
        a.dead.entry = e
        a.dead.group = b[1]
        redis.call('HSET', K('dlq'), a.key, cjson.encode(a.dead))
        redis.call('ZADD', K('dlq:index'), now, a.key)
      end
    end
  end
end
redis.call('ZREM', K('leases'), batchId)
redis.call('DEL', bk)
return 'ok'
`;

/** ARGV: base, batchId, now, leaseMs. Extends a live lease; returns 0 when the batch is gone. */
export const RENEW = `${COMMON}
if not redis.call('ZSCORE', K('leases'), ARGV[2]) then return 0 end
redis.call('ZADD', K('leases'), tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[2])
return 1
`;

/**
 * ARGV: base, now, limit. Puts back the records of batches whose lease expired (their worker died or
 * hung) and drops those batches; returns how many it recovered. Nobody knows whether such a batch's
 * call reached Marketo, so each record counts one more uncertain attempt: the sender's delivery policy
 * decides whether it may be sent again.
 */
export const SWEEP = `${COMMON}
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
`;

/** ARGV: base, untilMs. Pauses every worker until then (never shortens a longer pause). */
export const PAUSE = `${COMMON}
local cur = tonumber(redis.call('GET', K('pause')) or '0')
local untilMs = tonumber(ARGV[2])
if untilMs > cur then redis.call('SET', K('pause'), untilMs, 'PXAT', untilMs) end
return math.max(cur, untilMs)
`;

/**
 * ARGV: base, now, key1, key2, … (none: all). Puts dead-lettered records back as pending. A redrive is
 * the operator's decision to send again, so it clears the doubt an indeterminate attempt left
 * ('uncertain'): an INDETERMINATE create is then sent like a new one.
 */
export const REDRIVE = `${COMMON}
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
`;
