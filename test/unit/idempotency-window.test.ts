import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import { createProducer } from '../../src/producer/producer.js';

// Never connected: the window is checked before anything is sent.
const redis = new Redis({ lazyConnect: true });
afterAll(() => redis.disconnect());

describe('the idempotency window option', () => {
  it('refuses a buffer window that is not a whole number of milliseconds of at least 1, naming the option', () => {
    // The enqueue script reads a window of 0 or less as "no keys" and would misread the arguments.
    for (const ms of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new RedisBuffer(redis, 'p', { idempotencyWindowMs: ms }), String(ms)).toThrow(
        /^idempotencyWindowMs: must be a whole number of milliseconds, at least 1 \(got /,
      );
    expect(new RedisBuffer(redis, 'p', { idempotencyWindowMs: 1 }).idempotencyWindowMs).toBe(1);
  });

  it('refuses a producer window under one millisecond, naming the option, and rounds to milliseconds', async () => {
    for (const sec of [0, -1, 0.0004, Number.NaN])
      await expect(createProducer({ redis, idempotencyWindowSec: sec }), String(sec)).rejects.toThrow(
        /^idempotencyWindowSec: must be a number of seconds of at least 0\.001 \(got /,
      );
    const producer = await createProducer({ redis, idempotencyWindowSec: 1.1 });
    expect(producer.buffer.idempotencyWindowMs).toBe(1100);
  });
});
