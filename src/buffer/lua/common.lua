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
--   last = first, count = 1, attempts = 0, at = t0, uncertain = none.
local REC_FIELDS = {'group', 'data', 'first', 'last', 'count', 't0', 'attempts', 'at', 'uncertain'}
local function readRec(rk)
  local r = redis.call('HMGET', rk, unpack(REC_FIELDS))
  if not r[1] then return nil end
  return { group = r[1], data = r[2], first = tonumber(r[3]), last = tonumber(r[4] or r[3]),
    count = tonumber(r[5] or '1'), t0 = tonumber(r[6]), attempts = tonumber(r[7] or '0'),
    at = tonumber(r[8] or r[6]), uncertain = tonumber(r[9]) }
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

-- Puts a batch entry back as pending, under any newer change that arrived meanwhile. An entry that an
-- indeterminate attempt may already have applied keeps that memory ('uncertain': how many such attempts).
local function putBack(group, e, score, burn)
  local rk = K('rec:' .. e.key)
  local cur = readRec(rk)
  local attempts = tonumber(e.attempts) + (burn and 1 or 0)
  if e.uncertain then redis.call('HSET', rk, 'uncertain', e.uncertain) end
  if cur then
    local g = upgrade(group, cur.group)
    local merged = merge(e.data, cjson.decode(cur.data))
    redis.call('HSET', rk, 'group', g, 'data', cjson.encode(merged), 'first', e.first, 'last', cur.last,
      'count', tonumber(e.count) + cur.count, 't0', e.t0, 'attempts', attempts, 'at', cur.at)
    redis.call('ZREM', K('dirty:' .. cur.group), e.key)
    redis.call('ZADD', K('dirty:' .. g), score, e.key)
    redis.call('SADD', K('groups'), g)
  else
    redis.call('HSET', rk, 'group', group, 'data', cjson.encode(e.data), 'first', e.first, 'last', e.last,
      'count', e.count, 't0', e.t0, 'attempts', attempts)
    redis.call('ZADD', K('dirty:' .. group), score, e.key)
  end
end
