import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, EnqueueError } from '../../src/producer/producer.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

// A Redis of its own: the test fills it to its memory limit.
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer(['--maxmemory-policy', 'noeviction']);
});
afterAll(() => server?.stop());

describe('a producer call that Redis refuses part of', () => {
  it('throws an EnqueueError listing exactly the changes that were written', async () => {
    const admin = new Redis(server.url);
    const producer = await createProducer({ url: server.url, prefix: 'partial', chunkSize: 100 });
    // Room for the first chunks only: Redis refuses scripts that write once it is over maxmemory.
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory', String(used + 200_000));
    const changes = Array.from({ length: 3_000 }, (_, i) => ({
      Email: `p${i}@example.com`,
      attributes: { Note: 'x'.repeat(200) },
    }));
    const error = await producer.enqueueLeads(changes).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnqueueError);
    const accepted = (error as EnqueueError).accepted;
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(changes.length);
    expect((error as EnqueueError).message).toMatch(/OOM|maxmemory/);
    // Redis answered OOM for the rest: certainly not written, so refused, and none unknown.
    expect((error as EnqueueError).unknown).toEqual([]);
    expect((error as EnqueueError).refused.length).toBe(changes.length - accepted.length);
    // What the error calls accepted is in Redis; nothing else is.
    await admin.config('SET', 'maxmemory', '0');
    const stored = await admin.keys('{partial}:rec:*');
    expect(stored.sort()).toEqual(accepted.map((r) => `{partial}:rec:${r.key}`).sort());
    await producer.close();
    admin.disconnect();
  });
});
