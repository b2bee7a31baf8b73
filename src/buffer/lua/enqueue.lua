-- ENQUEUE: accepts changes in order, atomically, coalescing them per record.
-- KEYS[1]: {p}:seq (the sequence counter).
-- ARGV[1]: the {p} base.
-- ARGV[2]: options, JSON: {now, window, keyed}
--   now: epoch ms; window: how long an idempotency key is remembered (ms);
--   keyed: true when the changes carry an idempotency key (4 values each), false when not (3 each).
-- ARGV[3..]: per change: key, group, data (JSON), then its idempotency key ('' for none) when keyed.
--   A key ending in '#' never merges: its sequence number is appended.
-- A change whose idempotency key is remembered (written within the window, or earlier in this call) is
-- not written again: it is answered with the reference it was first written at. The others take
-- consecutive sequence numbers (one INCRBY).
-- Returns {lastSeq, merged, position1, 'seq key', position2, 'seq key', ...} for the changes answered
-- from memory: the caller derives every other change's number and key. Nothing is written before the
-- INCRBY, so a refusal at the first write (OOM) writes nothing. A new record's dirty entry is written
-- after the loop (one ZADD per group), with the same score and NX as before.
-- Writes: seq, rec:<key> (new: group, data or base, first, t0 only; a lead's change merging in the same
-- group: more, last, count, at; see common.lua for the defaults, `base` and `more`),
-- dirty:<group>, groups, idem:<key>, counters (accepted, coalesced, replayed). Reads steps:<programId>
-- and merge_wait.
--- @include "common"

local opts = cjson.decode(ARGV[2])
local now, window = tonumber(opts.now), tonumber(opts.window)
-- Formatted once per call, not per change (the stored text is what formatting `now` per change gave).
local nowText = string.format('%.17g', now or 0)
local stride = opts.keyed and 4 or 3
-- Once a worker that reads `more` has started (keys.ts), new records keep their data under `base`,
-- and only those take waiting changes (common.lua).
local dataField = redis.call('EXISTS', K('merge_wait')) == 1 and 'base' or 'data'
local first = 3
local n = (#ARGV - first + 1) / stride
local replay, fresh = {}, n
if opts.keyed then
  local firstAt = {}
  for i = 1, n do
    local idem = ARGV[first + (i - 1) * stride + 3]
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
-- New records' dirty-set entries, per group (pending[group][key] = true): written at the end with one
-- ZADD per group and slice instead of one per change. A record new in this call whose group is
-- upgraded later in the same call leaves its pending entry for the upgraded group's immediate ZADD.
local pending = {}
local out = {0, 0}
local refs = {}
-- Records certainly absent when the call began (absent[i] for change i), found by one EXISTS per slice
-- of keys instead of one HMGET per change: a lookup from Lua costs about as much as a new record's
-- write, and a body of fresh changes is mostly new records. A slice where any key exists is read key by
-- key as before; one where every key exists ends the search (a body of updates: the rest is read key by
-- key too), so a body where a few records exist in every slice pays the EXISTS for nothing. A key
-- ending in '#' never exists before its change (its sequence number is appended). rks[i]: change i's
-- record key, built once.
local ABSENT_SLICE = 64
local absent, rks = {}, {}
local function findAbsent()
  local keys, at, searching = {}, {}, true
  local function check()
    if #keys == 0 then return end
    local found = redis.call('EXISTS', unpack(keys))
    if found == 0 then
      for _, i in ipairs(at) do absent[i] = true end
    elseif found == #keys then
      searching = false
    end
    keys, at = {}, {}
  end
  for i = 1, n do
    if not replay[i] then
      local key = ARGV[first + (i - 1) * stride]
      if string.byte(key, -1) == 35 then
        absent[i] = true
      elseif searching then
        local rk = K('rec:' .. key)
        rks[i] = rk
        keys[#keys + 1] = rk
        at[#at + 1] = i
        if #keys == ABSENT_SLICE then check() end
      end
    end
  end
  check()
end
-- Records this call wrote new: a later change to the same key reads what was written.
local created = {}
local NONE = {}
-- The loop runs under pcall so that, should a change fail the call (a stored record that is not JSON),
-- the records already written still get their dirty entries below before the error is raised.
local function writeChanges()
  findAbsent()
  for i = 1, n do
    local p = first + (i - 1) * stride
    local r = replay[i]
    if r then
      if type(r) == 'number' then r = refs[r] end
      out[#out + 1] = i
      out[#out + 1] = r
    else
      local key, group, data = ARGV[p], ARGV[p + 1], ARGV[p + 2]
      seq = seq + 1
      -- As text once, by the integer format: Lua would format the number each time it is passed, by
      -- '%.14g', a float format that writes exponent notation from 10^14.
      local seqText = string.format('%d', seq)
      if string.byte(key, -1) == 35 then key = key .. seqText end
      local rk = rks[i] or K('rec:' .. key)
      -- A record holds its data under `data` or under `base` (common.lua): without `data`, `base`. A
      -- lead's change, which mostly waits in `more`, reads neither value; other groups merge at once.
      local cur = (absent[i] and not created[rk]) and NONE
        or (string.sub(group, 1, 2) == 'L:' and redis.call('HMGET', rk, 'group', 'data', 'count', 'more'))
        or redis.call('HMGET', rk, 'group', 'data', 'count', 'more', 'base')
      if cur[1] and not cur[2] and defersMerge(cur[1], group, cur[4], data) then
        -- A lead's change in the same group: appended, merged when the record is read (common.lua).
        redis.call('HSET', rk, 'more', (cur[4] or '') .. data .. '\n', 'last', seqText,
          'count', string.format('%d', tonumber(cur[3] or '1') + 1), 'at', nowText)
        merged = merged + 1
      elseif cur[1] then
        -- A program status behind the pending one's changes nothing but the counts (common.lua).
        local keep = keepsOlder(cur[1], group)
        local g = keep and cur[1] or upgrade(cur[1], group)
        if g ~= cur[1] then
          if pending[cur[1]] then pending[cur[1]][key] = nil end
          local score = redis.call('ZSCORE', K('dirty:' .. cur[1]), key)
          redis.call('ZREM', K('dirty:' .. cur[1]), key)
          redis.call('ZADD', K('dirty:' .. g), score or now, key)
          redis.call('HSET', rk, 'group', g)
          groups[g] = true
        end
        -- count defaults to 1 (common.lua).
        local stored = cur[2] or cur[5] or redis.call('HGET', rk, 'base')
        redis.call('HSET', rk, cur[2] and 'data' or 'base', keep and stored or cjson.encode(mergeData(cur[1], group, readData(stored, cur[4]), cjson.decode(data))),
          'last', seqText, 'count', string.format('%d', tonumber(cur[3] or '1') + 1), 'at', nowText)
        if cur[4] then redis.call('HDEL', rk, 'more') end
        merged = merged + 1
      else
        -- A new record leaves last, count, attempts and at absent (their defaults): less work per change.
        redis.call('HSET', rk, 'group', group, dataField, data, 'first', seqText, 't0', nowText)
        created[rk] = true
        local keys = pending[group]
        if not keys then keys = {}; pending[group] = keys end
        keys[key] = true
        groups[group] = true
      end
      if stride == 4 and ARGV[p + 3] ~= '' then
        refs[i] = seqText .. ' ' .. key
        redis.call('SET', K('idem:' .. ARGV[p + 3]), refs[i], 'PX', window)
      end
    end
  end
end
local ok, failure = pcall(writeChanges)
-- Slices of 1,000 members keep unpack() well inside Lua's C stack limit.
for g, keys in pairs(pending) do
  local args, m = {'NX'}, 0
  for key in pairs(keys) do
    args[#args + 1] = nowText
    args[#args + 1] = key
    m = m + 1
    if m == 1000 then
      redis.call('ZADD', K('dirty:' .. g), unpack(args))
      args, m = {'NX'}, 0
    end
  end
  if m > 0 then redis.call('ZADD', K('dirty:' .. g), unpack(args)) end
end
for g in pairs(groups) do redis.call('SADD', K('groups'), g) end
if not ok then error(failure, 0) end
if fresh > 0 then redis.call('HINCRBY', K('counters'), 'accepted', fresh) end
if merged > 0 then redis.call('HINCRBY', K('counters'), 'coalesced', merged) end
if #out > 2 then redis.call('HINCRBY', K('counters'), 'replayed', (#out - 2) / 2) end
out[1] = seq
out[2] = merged
return out
