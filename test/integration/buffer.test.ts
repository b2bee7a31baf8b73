import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer, type ClaimLimits } from '../../src/buffer/buffer.js';
import type { ClaimedBatch } from '../../src/buffer/types.js';
import { validateLeads } from '../../src/producer/changes.js';

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
  const batch = await buffer.claim('L', limits, now);
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
});
