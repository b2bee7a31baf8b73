import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer, type ClaimLimits } from '../../src/buffer/buffer.js';
import type { ClaimedBatch } from '../../src/buffer/types.js';
import { validateLeads, validateMObjects } from '../../src/producer/changes.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const limits: ClaimLimits = {
  maxBatch: 300,
  lingerMs: 0,
  maxConcurrent: 0,
  rateMax: 0,
  rateWindowMs: 20_000,
  leaseMs: 1_000,
  flush: true,
};

function leads(...inputs: unknown[]) {
  return validateLeads(inputs).valid.map((v) => v.change);
}

async function claimed(buffer: RedisBuffer, now: number): Promise<ClaimedBatch> {
  const batch = await buffer.claim('L:Email', limits, now);
  if (!('entries' in batch)) throw new Error(`no batch: ${JSON.stringify(batch)}`);
  return batch;
}

describe('the coalescing buffer in Redis', () => {
  it('numbers every change consecutively and counts the ones that merged', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const first = await buffer.enqueue(leads({ Email: 'a@x.com' }, { Email: 'b@x.com' }));
    const second = await buffer.enqueue(
      leads({ Email: 'A@x.com' }, { Email: 'c@x.com', dedupEnabled: false }, { Email: 'b@x.com' }),
    );
    expect(first.map((r) => r.seq)).toEqual([1, 2]);
    expect(first.merged).toBe(0);
    expect(second.map((r) => r.seq)).toEqual([3, 4, 5]);
    // A dedupEnabled=false change never merges: its key carries its own sequence number.
    expect(second.map((r) => r.key)).toEqual(['L:em:a%40x.com', 'L:em:c%40x.com#4', 'L:em:b%40x.com']);
    expect(second.merged).toBe(2);
  });

  it('finds new records by slices of keys with the same result as change by change', async () => {
    // Records present before the call, slices all new, all present and mixed, keys repeated within
    // the call, and keys that never merge: one call against the same changes one call each.
    const before = Array.from({ length: 100 }, (_, i) => ({ Email: `a${i}@x.com` }));
    const call = [
      // A slice of new records holding one of them twice: the second merges into what the first wrote.
      ...Array.from({ length: 64 }, (_, i) =>
        i === 9
          ? { Email: 'b0@x.com', attributes: { N: 'twice' } }
          : { Email: `b${i}@x.com`, attributes: { N: `b${i}` } },
      ),
      ...Array.from({ length: 64 }, (_, i) => ({ Email: `a${i}@x.com`, attributes: { N: `a${i}` } })),
      ...Array.from({ length: 70 }, (_, i) => ({ Email: i % 2 ? `a${90 + (i % 10)}@x.com` : `c${i}@x.com` })),
      { Email: 'b0@x.com', attributes: { N: 'again', M: 'm' } },
      { Email: 'c2@x.com', attributes: { N: 'again' } },
      { Email: 'a0@x.com', dedupEnabled: false },
      { Email: 'd@x.com', dedupEnabled: false },
    ];
    const stored = async (buffer: RedisBuffer) => {
      const out: Record<string, Record<string, string>> = {};
      for (const key of await redis.keys(`${buffer.keys.base}:rec:*`)) {
        const { t0: _t0, at: _at, ...fields } = await redis.hgetall(key);
        out[key.slice(buffer.keys.base.length)] = fields;
      }
      return out;
    };
    const sliced = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const single = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    for (const buffer of [sliced, single]) {
      await buffer.allowMergeWait();
      await buffer.enqueue(leads(...before));
    }
    const refs = await sliced.enqueue(leads(...call));
    let merged = 0;
    const singleRefs = [];
    for (const change of leads(...call)) {
      const ref = await single.enqueue([change]);
      merged += ref.merged;
      singleRefs.push(...ref);
    }
    expect(refs.merged).toBe(merged);
    expect(refs.merged).toBe(1 + 64 + 35 + 2);
    expect([...refs]).toEqual(singleRefs);
    expect(await stored(sliced)).toEqual(await stored(single));
    expect((await sliced.stats()).waiting).toEqual((await single.stats()).waiting);
  });

  it('files each new record of a call once in its dirty set, past 1,000 and when the call moves its group', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    const many = Array.from({ length: 2_345 }, (_, i) => ({ Email: `n${i}@x.com` }));
    const reply = await buffer.enqueue(leads(...many, { Email: 'n7@x.com' }), now);
    expect(reply.merged).toBe(1);
    const dirty = await redis.zrange(buffer.keys.dirty('L:Email'), 0, -1, 'WITHSCORES');
    expect(dirty.length / 2).toBe(2_345);
    expect(new Set(dirty.filter((_, i) => i % 2 === 1))).toEqual(new Set([String(now)]));
    // An UPDATE new in this call, then an UPSERT of the same object in the same call: the record must
    // be pending under the UPSERT group only.
    await buffer.enqueue(
      validateMObjects([
        { type: 'Opportunity', operation: 'UPDATE', externalKey: { name: 'k', value: '1' } },
        { type: 'Opportunity', operation: 'UPSERT', externalKey: { name: 'k', value: '1' } },
      ]).valid.map((v) => v.change),
      now,
    );
    expect(await redis.zcard(buffer.keys.dirty('O:Opportunity:UPDATE'))).toBe(0);
    const upsert = await redis.zrange(buffer.keys.dirty('O:Opportunity:UPSERT'), 0, -1, 'WITHSCORES');
    expect(upsert).toHaveLength(2);
    expect(upsert[1]).toBe(String(now));
  });

  it('carries every value through the enqueue script: line breaks in values, non-ASCII, keyed and not in one call', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    const city = 'Zürich\nline two\r\n\t«end» 😀';
    const changes = leads(
      { Email: 'p@x.com', attributes: { City: city, Note: '' }, idempotencyKey: 'k-1' },
      { Email: 'q@x.com', attributes: { City: 'plain' } },
      { Email: 'P@x.com', attributes: { Score: 3 }, idempotencyKey: 'k-2' },
    );
    const reply = await buffer.enqueue(changes, now);
    expect(reply.map((r) => [r.key, r.seq])).toEqual([
      ['L:em:p%40x.com', 1],
      ['L:em:q%40x.com', 2],
      ['L:em:p%40x.com', 3],
    ]);
    expect(reply.merged).toBe(1);
    // The keyed ones are remembered under their own keys, the unkeyed one under none.
    expect(await redis.get(buffer.keys.idem('k-1'))).toBe('1 L:em:p%40x.com');
    expect(await redis.get(buffer.keys.idem('k-2'))).toBe('3 L:em:p%40x.com');
    const batch = await claimed(buffer, now);
    const p = batch.entries.find((e) => e.key === 'L:em:p%40x.com');
    // The later change's Email spelling wins, attributes merge.
    expect(p?.data).toEqual({ Email: 'P@x.com', attributes: { City: city, Note: '', Score: '3' } });
    expect(batch.entries.find((e) => e.key === 'L:em:q%40x.com')?.data).toEqual({
      Email: 'q@x.com',
      attributes: { City: 'plain' },
    });
  });

  it('leaves every record a failing call wrote pending in its dirty set', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    // A record whose stored data is not JSON: merging into it fails the script mid-call. It is pending in
    // another group, so that the merge is done at once (a lead's change in the same group waits in `more`).
    await redis.hset(buffer.keys.rec('L:em:z%40x.com'), 'group', 'L:Id', 'data', 'not json');
    await expect(buffer.enqueue(leads({ Email: 'a@x.com' }, { Email: 'z@x.com' }), now)).rejects.toThrow();
    // a@x.com was written before the failure: it must be claimable, not an orphan hash.
    expect(await redis.hget(buffer.keys.rec('L:em:a%40x.com'), 'group')).toBe('L:Email');
    expect(await redis.zscore(buffer.keys.dirty('L:Email'), 'L:em:a%40x.com')).toBe(String(now));
  });

  it('puts a retried record back under a newer change: newer values win, the range covers both', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    await buffer.enqueue(leads({ Email: 'r@x.com', attributes: { City: 'Old', Score: 1 } }), now);
    const batch = await claimed(buffer, now);
    await buffer.enqueue(leads({ Email: 'r@x.com', attributes: { City: 'New' } }), now + 1);
    const ok = await buffer.settle(
      batch.id,
      [{ key: 'L:em:r%40x.com', action: 'retry', score: now, burn: true }],
      60,
      100,
      now + 2,
    );
    expect(ok).toBe(true);
    const again = await claimed(buffer, now + 3);
    expect(again.entries).toHaveLength(1);
    expect(again.entries[0]).toMatchObject({
      key: 'L:em:r%40x.com',
      data: { Email: 'r@x.com', attributes: { City: 'New', Score: '1' } },
      first: 1,
      last: 2,
      count: 2,
      attempts: 1,
    });
  });

  it('recovers a batch whose lease expired, under the changes that came since', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    await buffer.enqueue(leads({ Email: 's@x.com', attributes: { City: 'One' } }, { Email: 't@x.com' }), now);
    await claimed(buffer, now);
    await buffer.enqueue(leads({ Email: 's@x.com', attributes: { Score: 9 } }), now + 1);
    expect(await buffer.sweep(now + limits.leaseMs + 1)).toBe(1);
    const again = await claimed(buffer, now + limits.leaseMs + 2);
    const s = again.entries.find((e) => e.key === 'L:em:s%40x.com');
    expect(again.entries).toHaveLength(2);
    expect(s).toMatchObject({
      data: { attributes: { City: 'One', Score: '9' } },
      first: 1,
      last: 3,
      count: 2,
    });
  });

  it('holds a record while it still changes, and sends it once it is quiet or has waited the linger time', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const quiet = { ...limits, maxBatch: 2, lingerMs: 2_000, quietMs: 500, flush: false };
    const t = Date.now();
    await buffer.enqueue(leads({ Email: 'cold1@x.com' }, { Email: 'cold2@x.com' }), t - 1_000);
    await buffer.enqueue(leads({ Email: 'hot1@x.com' }, { Email: 'hot2@x.com' }), t - 1_500);
    await buffer.enqueue(leads({ Email: 'hot1@x.com' }, { Email: 'hot2@x.com' }), t - 100);
    // The hot leads came first, but they changed 100 ms ago: the quiet ones fill the batch.
    const first = await buffer.claim('L:Email', quiet, t);
    expect('entries' in first && first.entries.map((e) => e.key)).toEqual([
      'L:em:cold1%40x.com',
      'L:em:cold2%40x.com',
    ]);
    // The hot ones wait until 500 ms after their last change…
    expect(await buffer.claim('L:Email', quiet, t)).toEqual({ reason: 'linger', until: t + 400 });
    await buffer.enqueue(leads({ Email: 'hot1@x.com', attributes: { Score: 3 } }), t + 300);
    // …and a change at t+300 holds hot1 again, but never past the linger time of its first change.
    expect(await buffer.claim('L:Email', quiet, t + 450)).toEqual({ reason: 'linger', until: t + 500 });
    const lingered = await buffer.claim('L:Email', quiet, t + 500);
    expect('entries' in lingered && lingered.entries.map((e) => e.key).sort()).toEqual([
      'L:em:hot1%40x.com',
      'L:em:hot2%40x.com',
    ]);
  });

  it('without a quiet period, a full batch goes at once', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const t = Date.now();
    await buffer.enqueue(leads({ Email: 'a@x.com' }, { Email: 'b@x.com' }), t);
    const batch = await buffer.claim(
      'L:Email',
      { ...limits, maxBatch: 2, lingerMs: 2_000, quietMs: 0, flush: false },
      t,
    );
    expect('entries' in batch && batch.entries).toHaveLength(2);
  });
});
