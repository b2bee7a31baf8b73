-- Shared by every buffer script (included with `--- @include "common"`).
-- ARGV[1] is always the `{prefix}` base; KEYS[1] the sequence counter, which routes the call to the
-- slot of the hash tag. Every other key is built from the base with K().
-- Record state is JSON with string attribute values (never numbers: cjson would round them).

local base = ARGV[1]
local function K(s) return base .. ':' .. s end

-- Refuses the call with a message naming the argument; called before anything is written.
local function refuse(script, message) return redis.error_reply('ERR ' .. script .. ': ' .. message) end

-- The record hash `rec:<key>`. ENQUEUE writes only group, data, first and t0 for a new record; the other
-- fields are absent until needed, and these are their defaults:
--   last = first, count = 1, attempts = 0, at = t0, uncertain = none, more = none.
-- A record holds its data under exactly one of `data` and `base` (every writer keeps to it: ENQUEUE
-- reads a record without `data` as one with `base`). A record written once a worker of this release
-- started on the prefix (`merge_wait`, keys.ts) keeps its data under `base` instead of `data`, and only such a record takes waiting changes (`more`, see
-- defersMerge): a script of an older release, which reads only `data`, then fails on it loudly instead
-- of sending a lead without its waiting changes. Both are read only through readRec (`data` is the
-- record's data whichever field holds it, `field` the field's name).
local REC_FIELDS = {'group', 'data', 'first', 'last', 'count', 't0', 'attempts', 'at', 'uncertain', 'more',
  'base'}
local function readRec(rk)
  local r = redis.call('HMGET', rk, unpack(REC_FIELDS))
  if not r[1] then return nil end
  return { group = r[1], data = r[2] or r[11], field = r[2] and 'data' or 'base', first = tonumber(r[3]),
    last = tonumber(r[4] or r[3]), count = tonumber(r[5] or '1'), t0 = tonumber(r[6]),
    attempts = tonumber(r[7] or '0'), at = tonumber(r[8] or r[6]), uncertain = tonumber(r[9]),
    more = r[10] or nil }
end

-- Every batch group of the vocabulary (src/vocabulary/batch-groups.ts), today's and legacy:
-- GROUPS[name] = true. And MERGED['older|newer'] = the group a record pending in `older` moves to when
-- a change of group `newer` merges into it, where that is not `newer` (an UPDATE merged with an UPSERT
-- must still create). Both generated from the TypeScript vocabulary when the script is loaded, with
-- MEMBER_PATTERNS: a Lua pattern per member group family.
--- @generated "groups"

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

-- A lead's change that merges into a record pending in the same group is appended to the record's
-- `more` field (each change's JSON and a line feed, which JSON text never holds raw) instead of being
-- merged at once: the decode-merge-encode of the record's JSON was about 40% of a merging change's cost
-- in ENQUEUE. The changes are merged, in order and by the same merge(), when the record is read
-- (by the worker for a claimed batch, see foldEntry; readData when put back) or when a change that
-- cannot wait arrives. Only lead groups wait, where
-- merge() is the whole rule (no statuses, no group change); `more` is bounded (MAX_MORE bytes), beyond
-- which the merge is done at once.
local MAX_MORE = 4096
local function defersMerge(curGroup, group, more, data)
  return curGroup == group and string.sub(group, 1, 2) == 'L:' and #(more or '') + #data < MAX_MORE
end

-- `value` (a record's data as a table) with its waiting changes (`more`) merged in order.
local function foldMore(value, more)
  if more then
    for text in string.gmatch(more, '[^\n]+') do value = merge(value, cjson.decode(text)) end
  end
  return value
end
local function readData(data, more) return foldMore(cjson.decode(data), more) end

-- A batch entry carries its record's waiting changes as they were (`more`): CLAIM leaves the merge to
-- the worker, which does it in JavaScript (batch-entry.ts), so that Redis, which every worker and
-- producer share, does not. An entry that comes back (retry, lease expiry, dead letter) is merged here.
local function foldEntry(e)
  if e.more then e.data = foldMore(e.data, e.more) end
  e.more = nil
  return e
end

-- Program member status (`S:` groups) whose channel steps were not known at a merge: the newer status
-- won, so the statuses the record held before travel with it (`passed`, at most MAX_PASSED) and the
-- sender, which reads the steps, sends the furthest of them. Without this a backlog accepted before any
-- worker had read the program's steps would end at its last status, not its furthest.
local MAX_PASSED = 16
local function withPassed(status, passed, merged)
  if status == nil or status == merged.status then return merged end
  local list, seen = {}, { [merged.status] = true }
  local function add(s)
    if type(s) == 'string' and not seen[s] and #list < MAX_PASSED then
      seen[s] = true
      list[#list + 1] = s
    end
  end
  for _, s in ipairs(merged.passed or {}) do add(s) end
  for _, s in ipairs(passed or {}) do add(s) end
  add(status)
  if #list > 0 then merged.passed = list end
  return merged
end

-- Whether name is a batch group: a fixed one (GROUPS) or a member group, whose name carries a list's,
-- a program's or a custom object's name (MEMBER_PATTERNS, generated from member-groups.ts's lists; the
-- producer parses the parameter strictly before anything is written).
local function isGroup(name)
  if GROUPS[name] then return true end
  for _, pattern in ipairs(MEMBER_PATTERNS) do
    if string.match(name, pattern) then return true end
  end
  return false
end

-- The group of a record pending in a that a change of group b merges into (mergedGroup in TypeScript):
-- a custom object's UPDATE merged with its UPSERT stays an UPSERT, like an object's (MERGED).
local function upgrade(a, b)
  if a == b then return a end
  local fixed = MERGED[a .. '|' .. b]
  if fixed then return fixed end
  local ba, oa = string.match(a, '^(C:.+):(%u+)$')
  local bb, ob = string.match(b, '^(C:.+):(%u+)$')
  if ba and ba == bb and ((oa == 'UPDATE' and ob == 'UPSERT') or (oa == 'UPSERT' and ob == 'UPDATE')) then
    return ba .. ':UPSERT'
  end
  return b
end

-- Program member status (`S:<programId>:<status>`): Marketo never moves a member back, so the furthest
-- status wins, not the newest. The step of a status is read from `steps:<programId>` (status → step),
-- which the worker writes from the program's channel; unknown there, the newer change wins as for any
-- group (Marketo then skips a move back with 1037). True when a record pending in a keeps its group and
-- its data against a change of group b.
local function statusStep(g)
  if string.sub(g, 1, 2) ~= 'S:' then return nil end
  local at = string.find(g, ':', 3, true)
  if not at then return nil end
  return tonumber(redis.call('HGET', K('steps:' .. string.sub(g, 3, at - 1)), string.sub(g, at + 1)))
end
local function keepsOlder(a, b)
  if a == b or string.sub(a, 1, 2) ~= 'S:' or string.sub(b, 1, 2) ~= 'S:' then return false end
  local sa = statusStep(a)
  local sb = sa and statusStep(b)
  return sb ~= nil and sa > sb
end

-- merge() of a record pending in group a (`old`, its older data, a table that is changed) and a change
-- of group b (`new`): program statuses the steps did not rank are remembered (withPassed).
local function mergeData(a, b, old, new)
  if a == b or string.sub(a, 1, 2) ~= 'S:' or (statusStep(a) and statusStep(b)) then return merge(old, new) end
  local status, passed = old.status, old.passed
  return withPassed(status, passed, merge(old, new))
end

-- Puts a batch entry back as pending, under any newer change that arrived meanwhile. An entry that an
-- indeterminate attempt may already have applied keeps that memory ('uncertain': how many such attempts).
local function putBack(group, e, score, burn)
  foldEntry(e)
  local rk = K('rec:' .. e.key)
  local cur = readRec(rk)
  local attempts = tonumber(e.attempts) + (burn and 1 or 0)
  if e.uncertain then redis.call('HSET', rk, 'uncertain', e.uncertain) end
  if cur then
    -- The entry put back is older than the change that arrived meanwhile, unless its status is further.
    local keep = keepsOlder(group, cur.group)
    local g = keep and group or upgrade(group, cur.group)
    local merged = keep and e.data or mergeData(group, cur.group, e.data, readData(cur.data, cur.more))
    redis.call('HSET', rk, 'group', g, cur.field, cjson.encode(merged), 'first', e.first, 'last', cur.last,
      'count', tonumber(e.count) + cur.count, 't0', e.t0, 'attempts', attempts, 'at', cur.at)
    if cur.more then redis.call('HDEL', rk, 'more') end
    redis.call('ZREM', K('dirty:' .. cur.group), e.key)
    redis.call('ZADD', K('dirty:' .. g), score, e.key)
    redis.call('SADD', K('groups'), g)
  else
    redis.call('HSET', rk, 'group', group, 'data', cjson.encode(e.data), 'first', e.first, 'last', e.last,
      'count', e.count, 't0', e.t0, 'attempts', attempts)
    redis.call('ZADD', K('dirty:' .. group), score, e.key)
  end
end
