import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer, type BufferedChange, type ClaimLimits } from '../../src/buffer/buffer.js';
import { BUFFER_SCRIPTS } from '../../src/buffer/buffer-scripts.js';
import { luaSource } from '../../src/buffer/lua-loader.js';
import { validateLeads, validateMObjects } from '../../src/producer/changes.js';
import { FingerprintStore } from '../../src/reconcile/fingerprint-store.js';
import { PendingOutcomes } from '../../src/reconcile/pending-outcomes.js';
import { reconcileKeys } from '../../src/reconcile/reconcile-keys.js';
import { RECONCILE_SCRIPTS } from '../../src/reconcile/reconcile-scripts.js';
import { releaseSetLock, takeSetLock } from '../../src/reconcile/set-meta.js';
import { BATCH_GROUPS, claimOrder, mergedGroup, type BatchGroup } from '../../src/vocabulary/batch-groups.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const fresh = (): string => `t-${randomBytes(6).toString('hex')}`;

const limits: ClaimLimits = {
  maxBatch: 300,
  lingerMs: 0,
  maxConcurrent: 0,
  rateMax: 10,
  rateWindowMs: 20_000,
  leaseMs: 60_000,
  flush: true,
};

/** The key patterns docs/architecture.md lists in its key tables, as regular expressions for `prefix`. */
function documentedKeys(prefix: string): RegExp[] {
  const doc = readFileSync(resolve(import.meta.dirname, '../../docs/architecture.md'), 'utf8');
  const patterns: RegExp[] = [];
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| `{p')) continue;
    const firstCell = line.split('|')[1]!;
    for (const [, key] of firstCell.matchAll(/`([^`]+)`/g)) {
      const source = key!
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/^\\\{p/, `\\{${prefix}`)
        .replace(/<[^>]+>/g, '.+');
      patterns.push(new RegExp(`^${source}$`));
    }
  }
  return patterns;
}

async function keysOf(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const match of [`{${prefix}}*`, `{${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found.sort();
}

async function batchOf(buffer: RedisBuffer, group: Parameters<RedisBuffer['claim']>[0], now: number) {
  const batch = await buffer.claim(group, limits, now);
  if (!('entries' in batch)) throw new Error(`no batch: ${JSON.stringify(batch)}`);
  return batch;
}

describe('the Lua scripts', () => {
  it('write only keys docs/architecture.md lists (a census after running every script)', async () => {
    const prefix = fresh();
    const buffer = new RedisBuffer(redis, prefix);
    const now = Date.now();
    // ENQUEUE, keyed and not; an UPDATE then an UPSERT of one object (the merge moves its group).
    await buffer.enqueue(
      validateLeads([
        { Email: 'a@x.com', idempotencyKey: 'k-1' },
        { Email: 'b@x.com' },
        { Email: 'c@x.com' },
        { Email: 'd@x.com', dedupEnabled: false },
      ]).valid.map((v) => v.change),
      now,
    );
    await buffer.enqueue(
      validateMObjects([
        { type: 'Opportunity', operation: 'UPDATE', externalKey: { name: 'k', value: '1' } },
        { type: 'Opportunity', operation: 'UPSERT', externalKey: { name: 'k', value: '1' } },
      ]).valid.map((v) => v.change),
      now,
    );
    // CLAIM, TAKE_TOKEN, RENEW, SETTLE (done, retry, dead), REDRIVE, RESOLVE, SWEEP, PAUSE.
    const batch = await batchOf(buffer, 'L:Email', now);
    expect(await buffer.takeToken(limits, `${batch.id}:2`, now)).toBe(0);
    expect(await buffer.renew(batch.id, 60_000, now)).toBe(true);
    const [a, b, c] = batch.entries;
    const outcome = (key: string, status: 'UPDATED' | 'INDETERMINATE') => ({
      key,
      status,
      id: null,
      error: null,
      batch: batch.id,
      attempt: 1,
      firstSeq: 1,
      lastSeq: 1,
      changes: 1,
      latencyMs: 0,
      at: now,
    });
    expect(
      await buffer.settle(
        batch.id,
        [
          { key: a!.key, action: 'done', outcome: outcome(a!.key, 'UPDATED') },
          { key: b!.key, action: 'retry', score: now, burn: true, uncertain: true },
          {
            key: c!.key,
            action: 'dead',
            outcome: outcome(c!.key, 'INDETERMINATE'),
            dead: { key: c!.key, reason: 'bad', code: null, attempts: 1, at: now },
          },
        ],
        60,
        1000,
        now,
      ),
    ).toBe(true);
    expect(await buffer.redrive([c!.key], now)).toEqual([c!.key]);
    // RESOLVE (the console's and `mktsync dlq resolve`'s): confirmed created, after the redrive.
    const resolveOptions = { retentionSec: 60, streamMaxLen: 1000, auditMax: 10, note: 'census', id: '7' };
    expect(await buffer.resolve(c!.key, 'created', 'census', resolveOptions, now)).toEqual({
      result: 'ok',
      detail: 'created',
    });
    expect((await buffer.getOutcome(c!.key))?.status).toBe('CREATED');
    await batchOf(buffer, 'O:Opportunity:UPSERT', now);
    expect(await buffer.sweep(now + 120_000)).toBe(1);
    await buffer.pauseUntil(now + 60_000);
    await buffer.stopSending('census', 60_000);
    await buffer.recordCall('2026-12-07', true, now);

    // Reconcile's scripts: the lock, the fingerprint buckets, a run's pending outcomes.
    const rc = reconcileKeys(prefix);
    expect(await takeSetLock(redis, rc, 'census', 'run-1', 60_000)).toBeNull();
    const store = new FingerprintStore(redis, rc, 'census', 16, 1);
    const row = { keyDigest: Buffer.alloc(8, 1), content: Buffer.alloc(8, 2) };
    await store.commit([{ ...row, marketoId: 7 }], 1);
    expect(await store.check([row], 2)).toEqual([1]);
    expect(await store.setStamps([row.keyDigest], 3)).toBe(1);
    expect(await store.count()).toBe(1);
    expect(await store.dump(() => true)).toBe(true);
    await redis.hset(rc.pending('run-1'), a!.key, `1|${'00'.repeat(16)}`);
    const pending = new PendingOutcomes(redis, buffer, rc, 'run-1', 2);
    await pending.load();
    expect(await pending.confirm(store)).toBe(1);
    await redis.rpush(rc.failed('run-1'), 'x');
    await releaseSetLock(redis, rc, 'census', 'run-1');

    const patterns = documentedKeys(prefix);
    const keys = await keysOf(prefix);
    expect(keys.length).toBeGreaterThan(15);
    const undocumented = keys.filter((k) => !patterns.some((p) => p.test(k)));
    expect(undocumented).toEqual([]);
    // Every script of both lists ran (each is a command on the connection now).
    for (const script of [...BUFFER_SCRIPTS, ...RECONCILE_SCRIPTS])
      expect(script.command in redis).toBe(true);
  });

  it('refuse a CLAIM with bad options, naming the option, and change nothing', async () => {
    const prefix = fresh();
    const buffer = new RedisBuffer(redis, prefix);
    const now = Date.now();
    await buffer.enqueue(
      validateLeads([{ Email: 'a@x.com' }]).valid.map((v) => v.change),
      now,
    );
    const before = await keysOf(prefix);
    const seq = buffer.keys.seq;
    const base = buffer.keys.base;
    const good = {
      group: 'L:Email',
      now,
      maxBatch: 10,
      lingerMs: 0,
      maxActive: 0,
      rateMax: 1,
      rateWindowMs: 1000,
      leaseMs: 1000,
      batchId: 'b',
      flush: true,
      quietMs: 0,
    };
    const cases: [string, RegExp][] = [
      ['not json', /claim: options must be a JSON object/],
      [
        JSON.stringify({ ...good, group: 'O:Car:UPSERT' }),
        /claim: group must be a batch group.*"O:Car:UPSERT"/,
      ],
      [JSON.stringify({ ...good, maxBatch: 0 }), /claim: maxBatch must be a number of at least 1, got 0/],
      [JSON.stringify({ ...good, leaseMs: 'soon' }), /claim: leaseMs must be a number of at least 1/],
      [
        JSON.stringify({ ...good, now: undefined }),
        /claim: now must be a number of at least 0, got nil|claim: now must be/,
      ],
      [JSON.stringify({ ...good, rateMax: -1 }), /claim: rateMax must be a number of at least 0/],
      [JSON.stringify({ ...good, batchId: '' }), /claim: batchId must be a non-empty string/],
    ];
    for (const [options, message] of cases)
      await expect(redis.mktClaim(seq, base, options), options).rejects.toThrow(message);
    await expect(buffer.claim('O:Car:UPSERT' as 'L:Email', limits, now)).rejects.toThrow(/claim: group/);
    expect(await keysOf(prefix)).toEqual(before);
    expect(await redis.zcard(buffer.keys.dirty('L:Email'))).toBe(1);
    // The good options claim the record.
    expect(await redis.mktClaim(seq, base, JSON.stringify(good))).toEqual(['batch', 'b', expect.any(String)]);
  });

  it('refuse a SETTLE with bad options or actions, naming what is wrong, and change nothing', async () => {
    const prefix = fresh();
    const buffer = new RedisBuffer(redis, prefix);
    const now = Date.now();
    await buffer.enqueue(
      validateLeads([{ Email: 'a@x.com' }]).valid.map((v) => v.change),
      now,
    );
    const batch = await batchOf(buffer, 'L:Email', now);
    const key = batch.entries[0]!.key;
    const snapshot = async () => ({
      keys: await keysOf(prefix),
      inflight: await redis.hgetall(buffer.keys.inflight),
      leases: await redis.zrange(buffer.keys.leases, 0, -1),
    });
    const before = await snapshot();
    const options = JSON.stringify({ batchId: batch.id, now, retentionSec: 60, streamMaxLen: 100 });
    const outcome = { status: 'UPDATED' };
    const cases: [string, string, RegExp][] = [
      ['{', '[]', /settle: options must be a JSON object/],
      [
        JSON.stringify({ batchId: '', now, retentionSec: 60, streamMaxLen: 100 }),
        '[]',
        /settle: batchId must/,
      ],
      [
        JSON.stringify({ batchId: batch.id, now, retentionSec: 0, streamMaxLen: 100 }),
        '[]',
        /settle: retentionSec must/,
      ],
      [JSON.stringify({ batchId: batch.id, now, retentionSec: 60 }), '[]', /settle: streamMaxLen must/],
      [options, '{"key":"x"}', /settle: actions must be a JSON array/],
      [options, 'nope', /settle: actions must be a JSON array/],
      [
        options,
        JSON.stringify([{ key: key, action: 'drop' }]),
        /settle: actions\[0\]\.action must be 'done', 'retry' or 'dead', got "drop"/,
      ],
      [
        options,
        JSON.stringify([
          { key: key, action: 'done', outcome },
          { action: 'done', outcome },
        ]),
        /settle: actions\[1\]\.key must/,
      ],
      [
        options,
        JSON.stringify([{ key: key, action: 'retry' }]),
        /settle: actions\[0\]\.score must be a number/,
      ],
      [
        options,
        JSON.stringify([{ key: key, action: 'done' }]),
        /settle: actions\[0\]\.outcome must be an object with a status/,
      ],
      [
        options,
        JSON.stringify([{ key: key, action: 'dead', outcome }]),
        /settle: actions\[0\]\.dead must be an object/,
      ],
    ];
    for (const [opts, actions, message] of cases)
      await expect(
        redis.mktSettle(buffer.keys.seq, buffer.keys.base, opts, actions),
        `${opts} ${actions}`,
      ).rejects.toThrow(message);
    expect(await snapshot()).toEqual(before);
    // A good call settles it.
    expect(
      await redis.mktSettle(
        buffer.keys.seq,
        buffer.keys.base,
        options,
        JSON.stringify([{ key, action: 'done', outcome }]),
      ),
    ).toBe('ok');
    expect(await redis.hlen(buffer.keys.inflight)).toBe(0);
  });

  it('merge groups in Lua as the TypeScript vocabulary does, for every pair of groups', async () => {
    const prefix = fresh();
    const script = `${luaSource(BUFFER_SCRIPTS[0]!.file).split('--- @include')[0]}${luaSource(
      new URL('common.lua', BUFFER_SCRIPTS[0]!.file),
    )}
local out = {}
for i = 2, #ARGV, 2 do out[#out + 1] = upgrade(ARGV[i], ARGV[i + 1]) end
return out`;
    // The fixed groups, and member groups whose names are an open set (a custom object's, a list's).
    const members = [
      'A',
      'C:car_c:INSERT',
      'C:car_c:UPDATE',
      'C:car_c:UPSERT',
      'C:car_c:DELETE',
      'C:bike_c:UPSERT',
      'M:12:ADD',
      'M:12:REMOVE',
      'S:1001:Registered',
    ] as BatchGroup[];
    const all = [...BATCH_GROUPS, ...members];
    const pairs = all.flatMap((older) => all.map((newer) => [older, newer] as const));
    const merged = (await redis.eval(
      script,
      1,
      `{${prefix}}:seq`,
      `{${prefix}}`,
      ...pairs.flat(),
    )) as string[];
    expect(merged).toEqual(pairs.map(([older, newer]) => mergedGroup(older, newer)));
    expect(merged.filter((g, i) => g !== pairs[i]![1]).length).toBeGreaterThan(0);
    expect(merged[pairs.findIndex(([a, b]) => a === 'C:car_c:UPDATE' && b === 'C:car_c:UPSERT')]).toBe(
      'C:car_c:UPSERT',
    );
  });

  it('claim from member groups, whose names carry a parameter, and refuse malformed ones', async () => {
    const prefix = fresh();
    const buffer = new RedisBuffer(redis, prefix);
    const now = Date.now();
    const groups = ['A', 'C:car_c:UPSERT', 'M:12:ADD', 'S:1001:Attended Webinar'] as const;
    await buffer.enqueue(
      groups.map((group, i) => ({ key: `k${i}`, group, data: { n: i } }) as unknown as BufferedChange),
      now,
    );
    expect(claimOrder(await redis.smembers(buffer.keys.groups))).toEqual([...groups].sort());
    for (const group of groups) {
      const batch = await batchOf(buffer, group, now);
      expect(
        batch.entries.map((e) => e.key),
        group,
      ).toHaveLength(1);
    }
    for (const bad of ['C:car_c:MERGE', 'M:twelve:ADD', 'M:12:KEEP', 'S:x:Registered', 'A:1'])
      await expect(buffer.claim(bad as 'A', limits, now), bad).rejects.toThrow(/claim: group/);
    await expect(
      buffer.enqueue([{ key: 'k', group: 'M:0:ADD', data: {} } as unknown as BufferedChange], now),
    ).rejects.toThrow(/changes\[0\]\.group: "M:0:ADD" is not a group intake writes/);
  });
});
