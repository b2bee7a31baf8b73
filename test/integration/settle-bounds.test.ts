import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import type { Outcome } from '../../src/buffer/types.js';
import { validateLeads } from '../../src/producer/changes.js';

/** Issue 10 item 1: whatever a caller hands to settle, the outcome and dead letter kept are bounded. */
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

describe('settle bounds what it writes', () => {
  it('a 1 MB error and a 1 MB reason are kept as 1 KB and a marker, in the outcome, the stream and the dead letter', async () => {
    const buffer = new RedisBuffer(redis, `t-${randomBytes(4).toString('hex')}`);
    const now = Date.now();
    await buffer.enqueue(
      validateLeads([{ Email: 'a@x.com' }, { Email: 'b@x.com' }]).valid.map((v) => v.change),
      now,
    );
    const batch = await buffer.claim(
      'L:Email',
      {
        maxBatch: 300,
        lingerMs: 0,
        maxConcurrent: 0,
        rateMax: 0,
        rateWindowMs: 20_000,
        leaseMs: 10_000,
        flush: true,
      },
      now,
    );
    if (!('entries' in batch)) throw new Error('no batch');
    const huge = 'x'.repeat(1 << 20);
    const outcome = (key: string, status: string): Outcome => ({
      key,
      // A status outside the vocabulary (a library caller's) is still bounded.
      status: status as Outcome['status'],
      id: null,
      error: huge,
      batch: batch.id,
      attempt: 1,
      firstSeq: 1,
      lastSeq: 1,
      changes: 1,
      latencyMs: 0,
      at: now,
    });
    const [a, b] = batch.entries;
    expect(
      await buffer.settle(
        batch.id,
        [
          { key: a!.key, action: 'done', outcome: outcome(a!.key, 'S'.repeat(1 << 20)) },
          {
            key: b!.key,
            action: 'dead',
            outcome: outcome(b!.key, 'FAILED'),
            dead: { key: b!.key, reason: huge, code: null, attempts: 1, at: now },
          },
        ],
        60,
        1000,
        now,
      ),
    ).toBe(true);
    for (const entry of [a!, b!]) {
      const raw = (await redis.get(buffer.keys.outcome(entry.key)))!;
      expect(raw.length).toBeLessThan(2048);
      expect((JSON.parse(raw) as Outcome).error).toMatch(/^x{1024}… \[\d+ characters cut\]$/);
    }
    const stream = await redis.xrange(buffer.keys.outcomes, '-', '+');
    expect(Math.max(...stream.map(([, fields]) => fields.join('').length))).toBeLessThan(2048);
    const [dead] = await buffer.deadLetters();
    expect(dead!.reason).toMatch(/^x{1024}… \[\d+ characters cut\]$/);
    expect((await redis.hstrlen(buffer.keys.dlq, b!.key)) < 4096).toBe(true);
  });
});
