import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';

/**
 * A rate throttle (Marketo's window is full) pauses every worker until the oldest call of the shared
 * limiter's window leaves it, plus a margin, not for a whole window: with a whole window per refusal,
 * eight instances each at Marketo's limit got about half of it (152 of 300 calls a minute in the
 * instances benchmark); with this, 300.
 */

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const fresh = (): RedisBuffer => new RedisBuffer(redis, `t-${randomBytes(6).toString('hex')}`);
const WINDOW = 20_000;

describe('the pause after a rate throttle', () => {
  it('ends 1 s after the oldest call of the window leaves it, never later than the whole window', async () => {
    const buffer = fresh();
    const now = Date.now();
    // Calls at now-19 s (oldest), now-5 s, now-1 s; one older than the window, which does not count.
    await redis.zadd(
      buffer.keys.rate,
      now - 25_000,
      'gone',
      now - 19_000,
      'a',
      now - 5_000,
      'b',
      now - 1_000,
      'c',
    );
    const until = await buffer.pauseForRateWindow(now + WINDOW, now, WINDOW);
    expect(until).toBe(now - 19_000 + WINDOW + 1_000);
    expect(Number(await redis.get(`${buffer.keys.base}:pause`))).toBe(until);
  });

  it('waits at least 1 s, and the whole window when the limiter holds no call', async () => {
    const soon = fresh();
    const now = Date.now();
    await redis.zadd(soon.keys.rate, now - WINDOW, 'a');
    expect(await soon.pauseForRateWindow(now + WINDOW, now, WINDOW)).toBe(now + 1_000);
    const empty = fresh();
    expect(await empty.pauseForRateWindow(now + WINDOW, now, WINDOW)).toBe(now + WINDOW);
  });

  it('never shortens a longer pause already in force', async () => {
    const buffer = fresh();
    const now = Date.now();
    await buffer.pauseUntil(now + 60_000);
    await redis.zadd(buffer.keys.rate, now - 19_000, 'a');
    expect(await buffer.pauseForRateWindow(now + WINDOW, now, WINDOW)).toBe(now + 60_000);
  });
});
