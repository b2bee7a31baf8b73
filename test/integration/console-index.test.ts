import type { OutcomeStatus } from '../../src/vocabulary/outcome-statuses.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer, type SettleAction } from '../../src/buffer/buffer.js';
import type { Outcome } from '../../src/buffer/types.js';
import { consoleKeys } from '../../src/console/console-keys.js';
import { listDeadLetters } from '../../src/console/dead-letters.js';
import { readOverview } from '../../src/console/overview.js';
import { searchByKey, searchRecords } from '../../src/console/record-search.js';
import { runCli } from '../helpers/cli.js';
import { freshPrefix } from '../helpers/pipeline.js';

/**
 * The console's indexes as the settle script keeps them (real Redis, the buffer's own scripts):
 * bounded by count and retention with every index emptied together, and the resolve verdicts of
 * `mktsync dlq resolve`.
 */

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const LIMITS = {
  maxBatch: 300,
  lingerMs: 0,
  maxConcurrent: 0,
  rateMax: 0,
  rateWindowMs: 1000,
  leaseMs: 60_000,
  flush: true,
};

/** Enqueues leads `emails` and settles them all at `now` with `status` (FAILED and INDETERMINATE dead-lettered). */
async function settleLeads(
  buffer: RedisBuffer,
  emails: string[],
  status: OutcomeStatus,
  now: number,
): Promise<string[]> {
  const refs = await buffer.enqueue(
    emails.map((Email, i) => ({
      key: `L:em:${encodeURIComponent(Email)}`,
      group: 'L:Email',
      data: { Email, attributes: { FirstName: `F${i}`, pants: 'x' } },
    })),
    now,
  );
  const batch = await buffer.claim('L:Email', LIMITS, now);
  if (!('entries' in batch)) throw new Error(`no batch: ${batch.reason}`);
  const actions: SettleAction[] = batch.entries.map((e, i) => {
    const outcome: Outcome = {
      key: e.key,
      status,
      id: status === 'FAILED' || status === 'INDETERMINATE' ? null : 500 + i,
      error: status === 'FAILED' ? '20105 - unknown fields for import: pants' : null,
      batch: batch.id,
      attempt: 1,
      firstSeq: e.first,
      lastSeq: e.last,
      changes: e.count,
      latencyMs: 1,
      at: now,
    };
    if (status !== 'FAILED' && status !== 'INDETERMINATE') return { key: e.key, action: 'done', outcome };
    return {
      key: e.key,
      action: 'dead',
      outcome,
      dead: {
        key: e.key,
        reason: `${status}: test`,
        code: status === 'FAILED' ? 20105 : null,
        ...(status === 'FAILED' ? { field: 'pants' } : {}),
        attempts: 1,
        at: now,
      },
    };
  });
  expect(await buffer.settle(batch.id, actions, 3600, 10_000, now)).toBe(true);
  return refs.map((r) => r.key);
}

describe('the console indexes kept by the settle script', () => {
  it('hold at most MKTSYNC_CONSOLE_INDEX_MAX records, oldest evicted from every index', async () => {
    const buffer = new RedisBuffer(redis, freshPrefix());
    const cx = consoleKeys(buffer.keys.base);
    await redis.hset(cx.cfg, { retention: 3600, max: 5 });
    const now = Date.now();
    await settleLeads(buffer, ['a0@x.com', 'a1@x.com', 'a2@x.com'], 'FAILED', now);
    await settleLeads(buffer, ['b0@x.com', 'b1@x.com', 'b2@x.com', 'b3@x.com'], 'CREATED', now + 1);
    expect(await redis.zcard(cx.time)).toBe(5);
    expect(await redis.hlen(cx.facets)).toBe(5);
    // Two of the three failed records were evicted (the oldest): from the status, code and field indexes too.
    expect(await redis.zcard(cx.status('FAILED'))).toBe(1);
    expect(await redis.zcard(cx.code('20105'))).toBe(1);
    expect(await redis.zcard(cx.field('pants'))).toBe(1);
    expect(await redis.zcard(cx.status('CREATED'))).toBe(4);
    expect(await redis.hlen(cx.ids)).toBe(4);
    const byStatus = await searchRecords(redis, buffer.keys, { status: 'CREATED', limit: 3 });
    expect(byStatus.hits).toHaveLength(3);
    expect(byStatus.next).toBe(3);
    const rest = await searchRecords(redis, buffer.keys, { status: 'CREATED', limit: 3, offset: 3 });
    expect(rest.hits).toHaveLength(1);
    expect(rest.next).toBeNull();
    // By Marketo id, and by Email.
    const id = await redis.hkeys(cx.ids);
    expect((await searchByKey(redis, buffer.keys, id[0]!))[0]?.outcome?.id).toBe(Number(id[0]));
    expect((await searchByKey(redis, buffer.keys, 'B1@x.com'))[0]?.key).toBe('L:em:b1%40x.com');
  });

  it('drop records past MKTSYNC_CONSOLE_INDEX_RETENTION_S at the next settle', async () => {
    const buffer = new RedisBuffer(redis, freshPrefix());
    const cx = consoleKeys(buffer.keys.base);
    await redis.hset(cx.cfg, { retention: 60, max: 1000 });
    const now = Date.now();
    await settleLeads(buffer, ['old@x.com'], 'FAILED', now - 120_000);
    expect(await redis.zcard(cx.time)).toBe(1);
    await settleLeads(buffer, ['new@x.com'], 'UPDATED', now);
    expect(await redis.zrange(cx.time, 0, -1)).toEqual(['L:em:new%40x.com']);
    expect(await redis.zcard(cx.status('FAILED'))).toBe(0);
    expect(await redis.hkeys(cx.facets)).toEqual(['L:em:new%40x.com']);
    // The dead letter itself stays (only the index is bounded); it is still listed by facet.
    expect((await listDeadLetters(buffer, { facet: 'd:pants' })).total).toBe(1);
  });

  it('mktsync dlq resolve: confirmed created ends the doubt; resend puts the create back; other statuses are refused', async () => {
    const prefix = freshPrefix();
    const buffer = new RedisBuffer(redis, prefix);
    const [sure, unsure] = await settleLeads(
      buffer,
      ['sure@x.com', 'unsure@x.com'],
      'INDETERMINATE',
      Date.now(),
    );
    const env = { REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: prefix };
    const created = await runCli(
      ['dlq', 'resolve', '--key', sure!, '--verdict', 'created', '--id', '77', '--by', 'ops'],
      env,
    );
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      key: sure,
      by: 'ops',
      result: 'ok',
      verdict: 'created',
    });
    expect(await buffer.getOutcome(sure!)).toMatchObject({ status: 'CREATED', id: 77 });
    expect((await buffer.getOutcome(sure!))!.note).toMatch(/^confirmed created in Marketo by ops at /);
    expect(await redis.hexists(buffer.keys.dlq, sure!)).toBe(0);
    const resend = await runCli(
      ['dlq', 'resolve', '--key', unsure!, '--verdict', 'resend', '--by', 'ops'],
      env,
    );
    expect(JSON.parse(resend.stdout)).toMatchObject({ result: 'ok', verdict: 'resend', redriven: true });
    expect(await redis.zscore(buffer.keys.dirty('L:Email'), unsure!)).not.toBeNull();
    const again = await runCli(['dlq', 'resolve', '--key', sure!, '--verdict', 'created'], env);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'refused', why: 'status CREATED' });
    const audit = await redis.lrange(consoleKeys(buffer.keys.base).audit, 0, -1);
    expect(audit.map((a) => JSON.parse(a) as { verdict: string; by: string })).toMatchObject([
      { verdict: 'resend', by: 'ops' },
      { verdict: 'created', by: 'ops' },
    ]);
    const usage = await runCli(['dlq', 'resolve', '--key', sure!, '--verdict', 'maybe'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--verdict created');
  });
});

describe('the console overview', () => {
  it('shows what waits per group (oldest first), in flight, dead letters and the chart, as the buffer holds them', async () => {
    const buffer = new RedisBuffer(redis, freshPrefix());
    const t0 = Date.UTC(2026, 11, 7, 3, 0, 0);
    await settleLeads(buffer, ['dead1@x.com', 'dead2@x.com'], 'FAILED', t0);
    await buffer.enqueue(
      [
        { key: 'L:em:w1%40x.com', group: 'L:Email', data: { Email: 'w1@x.com', attributes: {} } },
        { key: 'L:id:7', group: 'L:Id', data: { Id: 7, attributes: {} } },
      ],
      t0 + 1_000,
    );
    await buffer.enqueue(
      [{ key: 'L:em:w2%40x.com', group: 'L:Email', data: { Email: 'w2@x.com', attributes: {} } }],
      t0 + 2_000,
    );
    const overview = await readOverview(
      {
        name: 'default',
        buffer,
        dailyQuota: 50_000,
        rateLimit: 100,
        rateWindowMs: 20_000,
        outcomeRetentionSec: 3600,
        outcomeStreamMaxLen: 10_000,
      },
      { hours: 1, binMinutes: 10 },
      t0 + 60_000,
    );
    const stats = await buffer.stats(t0 + 60_000);
    const byGroup = Object.fromEntries(overview.groups.map((g) => [g.group, g]));
    expect(byGroup['L:Email']).toEqual({
      group: 'L:Email',
      waiting: 2,
      oldestAt: stats.oldestByGroup['L:Email'],
    });
    expect(byGroup['L:Email']!.oldestAt).toBeLessThanOrEqual(t0 + 1_000);
    expect(byGroup['L:Id']!.waiting).toBe(1);
    // Legacy groups appear only while they hold records.
    expect(overview.groups.some((g) => g.group === 'L')).toBe(false);
    expect(overview.deadLetters).toBe(2);
    expect(overview.recordsInFlight).toBe(0);
    expect(overview.stopped).toBeNull();
    expect(overview.totals).toEqual({ FAILED: 2 });
  });
});
