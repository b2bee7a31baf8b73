import { Redis } from 'ioredis';
import { RedisBuffer, type SettleAction } from '../src/buffer/buffer.js';
import { CONSOLE_INDEX_LUA } from '../src/buffer/console-index-lua.js';
import { consoleKeys } from '../src/console/console-keys.js';
import { listDeadLetters } from '../src/console/dead-letters.js';
import type { ConsoleInstance } from '../src/console/instance.js';
import { readOverview } from '../src/console/overview.js';
import { searchByKey, searchRecords } from '../src/console/record-search.js';
import { dropPrefix, freshPrefix } from './harness.js';

/**
 * Fills `outcomes` outcomes (every `outcomes / deadLetters`-th one FAILED and dead-lettered) through the
 * console's own index code (the Lua the settle script runs per outcome), 1000 per script call.
 * ARGV: base, from, count, deadEvery, now.
 */
const FILL = `
local base = ARGV[1]
local function K(s) return base .. ':' .. s end
${CONSOLE_INDEX_LUA}
local from, count, deadEvery, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local statuses = {'UPDATED', 'UPDATED', 'UPDATED', 'CREATED', 'UNCHANGED'}
for i = from, from + count - 1 do
  local key = 'L:em:user' .. i .. '%40example.com'
  local at = now - 10000000 + i
  local dead = nil
  local o = { key = key, status = statuses[(i % 5) + 1], id = 1000000 + i, error = cjson.null, batch = 'b' .. math.floor(i / 300),
    attempt = 1, firstSeq = i, lastSeq = i, changes = 1, latencyMs = 900, at = at }
  if i % deadEvery == 0 then
    o.status = 'FAILED'
    o.id = cjson.null
    o.error = '20105 - Lead Attribute Bad: unknown fields for import: field' .. (i % 7)
    dead = { key = key, reason = o.error, code = 20105, field = 'field' .. (i % 7), attempts = 1, at = at }
    local entry = { key = key, reason = o.error, code = 20105, field = dead.field, attempts = 1, at = at, group = 'L:Email',
      entry = { key = key, data = { Email = 'user' .. i .. '@example.com', attributes = { FirstName = 'U', City = 'C' } },
        first = i, last = i, count = 1, t0 = at - 900, attempts = 0 } }
    redis.call('HSET', K('dlq'), key, cjson.encode(entry))
    redis.call('ZADD', K('dlq:index'), at, key)
  end
  redis.call('SET', K('outcome:' .. key), cjson.encode(o), 'EX', 604800)
  consoleIndex(key, o, dead, at)
end
return count
`;

/** Median ms of settling `batches` batches of 300 UPDATED leads with the indexes on (`max` > 0) or off. */
async function settleMedianMs(redis: Redis, max: number, batches: number): Promise<number> {
  const buffer = new RedisBuffer(redis, freshPrefix());
  await redis.hset(consoleKeys(buffer.keys.base).cfg, { retention: 604_800, max });
  const limits = {
    maxBatch: 300,
    lingerMs: 0,
    maxConcurrent: 0,
    rateMax: 0,
    rateWindowMs: 1000,
    leaseMs: 60_000,
    flush: true,
  };
  const ms: number[] = [];
  for (let b = 0; b < batches; b++) {
    const now = Date.now();
    await buffer.enqueue(
      Array.from({ length: 300 }, (_, i) => ({
        key: `L:em:s${b}-${i}%40example.com`,
        group: 'L:Email',
        data: { Email: `s${b}-${i}@example.com`, attributes: { FirstName: 'S' } },
      })),
      now,
    );
    const batch = await buffer.claim('L:Email', limits, now);
    if (!('entries' in batch)) throw new Error(`no batch: ${batch.reason}`);
    const actions: SettleAction[] = batch.entries.map((e, i) => ({
      key: e.key,
      action: 'done',
      outcome: {
        key: e.key,
        status: 'UPDATED',
        id: 7_000_000 + b * 300 + i,
        error: null,
        batch: batch.id,
        attempt: 1,
        firstSeq: e.first,
        lastSeq: e.last,
        changes: e.count,
        latencyMs: 5,
        at: now,
      },
    }));
    const t = performance.now();
    await buffer.settle(batch.id, actions, 604_800, 1_000_000, now);
    ms.push(performance.now() - t);
  }
  await dropPrefix(redis, `${buffer.keys.base}*`);
  return percentile(ms, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(
  runs: number,
  f: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f(i);
    ms.push(performance.now() - t);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

/**
 * The console with `outcomes` outcomes and `deadLetters` dead letters in Redis: search by key and by
 * status, the overview, a dead-letter filter (p50/p95 ms, beside a plain GET of one outcome as the
 * baseline of one round trip), and the indexes' Redis bytes per outcome (MEMORY USAGE).
 */
export async function benchConsole(redisUrl: string, outcomes: number, deadLetters: number, runs = 200) {
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const buffer = new RedisBuffer(redis, prefix);
  const cx = consoleKeys(buffer.keys.base);
  await redis.hset(cx.cfg, { retention: 604_800, max: outcomes });
  const deadEvery = Math.max(1, Math.floor(outcomes / deadLetters));
  const now = Date.now();
  const tFill = performance.now();
  for (let from = 1; from <= outcomes; from += 1000)
    await redis.eval(
      FILL,
      1,
      buffer.keys.seq,
      buffer.keys.base,
      from,
      Math.min(1000, outcomes - from + 1),
      deadEvery,
      now,
    );
  const fillSeconds = (performance.now() - tFill) / 1000;
  const instance: ConsoleInstance = {
    name: 'default',
    buffer,
    dailyQuota: 10_000,
    rateLimit: 80,
    rateWindowMs: 20_000,
    outcomeRetentionSec: 604_800,
    outcomeStreamMaxLen: 1_000_000,
  };
  const pick = (i: number): number => 1 + ((i * 7919) % outcomes);
  const baseline = await timed(runs, (i) =>
    redis.get(buffer.keys.outcome(`L:em:user${pick(i)}%40example.com`)),
  );
  const byEmail = await timed(runs, async (i) => {
    const hits = await searchByKey(redis, buffer.keys, `user${pick(i)}@example.com`);
    if (hits.length !== 1) throw new Error(`search by email found ${hits.length}`);
  });
  const byId = await timed(runs, async (i) => {
    const hits = await searchByKey(redis, buffer.keys, String(1_000_000 + pick(i)));
    if (hits.length === 0 && pick(i) % deadEvery !== 0) throw new Error('search by id found nothing');
  });
  const byStatus = await timed(runs, async (i) => {
    const page = await searchRecords(redis, buffer.keys, {
      status: i % 2 === 0 ? 'UPDATED' : 'FAILED',
      limit: 50,
      offset: (i * 97) % Math.max(1, Math.floor(outcomes / deadEvery / 2)),
    });
    if (page.hits.length === 0) throw new Error('search by status found nothing');
  });
  const byStatusAndCode = await timed(Math.min(runs, 50), () =>
    searchRecords(redis, buffer.keys, { field: 'field3', status: 'FAILED', code: '20105', limit: 50 }),
  );
  const overview = await timed(Math.min(runs, 50), () =>
    readOverview(instance, { hours: 6, binMinutes: 10 }),
  );
  const deadByField = await timed(Math.min(runs, 50), () =>
    listDeadLetters(buffer, { facet: 'd:field3', limit: 200 }),
  );
  // Index keys: the time index, facets, id map, and every status, code and field set.
  const indexKeys: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${buffer.keys.base}:console:*`, 'COUNT', 1000);
    cursor = next;
    indexKeys.push(...keys.filter((k) => !k.includes(':console:m:') && !k.endsWith(':console:cfg')));
  } while (cursor !== '0');
  let indexBytes = 0;
  for (const k of indexKeys) indexBytes += Number(await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
  let outcomeBytes = 0;
  for (let i = 0; i < 1000; i++)
    outcomeBytes += Number(
      await redis.call('MEMORY', 'USAGE', buffer.keys.outcome(`L:em:user${pick(i)}%40example.com`)),
    );
  const indexed = await redis.zcard(cx.time);
  // What the indexes add to each settle (a batch of 300 outcomes), beside the same settle without them.
  const settleBatches = Math.max(10, Math.min(60, Math.floor(runs / 4)));
  const settleWithoutIndexesMs = await settleMedianMs(redis, 0, settleBatches);
  const settleWithIndexesMs = await settleMedianMs(redis, 1_000_000, settleBatches);
  await dropPrefix(redis, `${buffer.keys.base}*`);
  redis.disconnect();
  return {
    outcomes,
    deadLetters: Math.floor(outcomes / deadEvery),
    indexed,
    fillSeconds,
    baselineGetMs: baseline,
    searchByEmailMs: byEmail,
    searchByMarketoIdMs: byId,
    searchByStatusMs: byStatus,
    searchByFieldStatusCodeMs: byStatusAndCode,
    overviewMs: overview,
    deadLettersByFieldMs: deadByField,
    indexBytesPerOutcome: indexBytes / outcomes,
    outcomeBytesPerRecord: outcomeBytes / 1000,
    settle300WithoutIndexesMs: settleWithoutIndexesMs,
    settle300WithIndexesMs: settleWithIndexesMs,
  };
}
