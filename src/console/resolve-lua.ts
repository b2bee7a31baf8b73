import { CONSOLE_INDEX_LUA } from '../buffer/console-index-lua.js';
import { AUDIT_MAX } from './console-keys.js';

/**
 * Resolves a record whose create may or may not have been applied (INDETERMINATE, PROBABLY_CREATED), in
 * one atomic step: the operator's verdict is kept with who and when, and the audit list gets a line.
 * `created`: the dead letter (if any) is dropped and the record's outcome becomes CREATED with a note
 * saying who confirmed it (indexed like any outcome). `resend`: only the verdict is kept here; the
 * caller then redrives the dead letter, which clears the doubt so the create is sent again.
 *
 * KEYS[1]: the buffer's sequence key (routes to the `{prefix}` slot). ARGV: base, key, verdict
 * (created|resend), who, now, retentionSec, streamMaxLen, Marketo id ('' for none), note.
 * Returns {'ok', verdict}, {'unknown', ''} or {'refused', why}.
 */
export const RESOLVE = `
local base = ARGV[1]
local function K(s) return base .. ':' .. s end
${CONSOLE_INDEX_LUA}
local key, verdict, who, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local retention, maxLen, mid, note = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9]
local raw = redis.call('GET', K('outcome:' .. key))
if not raw then return {'unknown', ''} end
local o = cjson.decode(raw)
if o.status ~= 'INDETERMINATE' and o.status ~= 'PROBABLY_CREATED' then return {'refused', 'status ' .. tostring(o.status)} end
local dead = redis.call('HEXISTS', K('dlq'), key) == 1
if verdict == 'resend' and not dead then return {'refused', 'not a dead letter: nothing to send again'} end
redis.call('HSET', K('console:res'), key, cjson.encode({verdict = verdict, by = who, at = now, previous = o.status}))
redis.call('LPUSH', K('console:audit'), cjson.encode({action = 'resolve', key = key, verdict = verdict, by = who, at = now}))
redis.call('LTRIM', K('console:audit'), 0, ${AUDIT_MAX - 1})
if verdict == 'created' then
  if dead then
    redis.call('HDEL', K('dlq'), key)
    redis.call('ZREM', K('dlq:index'), key)
  end
  o.status = 'CREATED'
  o.note = note
  o.error = cjson.null
  o.at = now
  if mid ~= '' then o.id = tonumber(mid) or mid end
  local enc = cjson.encode(o)
  redis.call('SET', K('outcome:' .. key), enc, 'EX', retention)
  redis.call('XADD', K('outcomes'), 'MAXLEN', '~', maxLen, '*', 'key', key, 'outcome', enc)
  redis.call('HINCRBY', K('counters'), 'console_resolved_created', 1)
  consoleIndex(key, o, nil, now)
end
return {'ok', verdict}
`;
