import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import { ENQUEUE_SCRIPT } from '../../src/buffer/buffer-scripts.js';
import { luaSource } from '../../src/buffer/lua-loader.js';
import { createProducer } from '../../src/producer/producer.js';
import { validateLeads } from '../../src/producer/changes.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

// A Redis of its own: these tests empty its script cache, which would disturb other files' writes.
let server: RedisServer;
let admin: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

const leads = (...inputs: unknown[]) => validateLeads(inputs).valid.map((v) => v.change);

describe('ENQUEUE when Redis does not hold the script', () => {
  it('writes a call once after Redis lost its scripts under a live connection (NOSCRIPT)', async () => {
    const redis = new Redis(server.url);
    try {
      const buffer = new RedisBuffer(redis, 'noscript');
      await buffer.enqueue(leads({ Email: 'a@x.com' }));
      // As after SCRIPT FLUSH: the connection sent the script before, Redis no longer holds it.
      await admin.script('FLUSH');
      const refs = await buffer.enqueue(
        leads({ Email: 'a@x.com', attributes: { City: 'B' } }, { Email: 'n@x.com' }),
      );
      expect(refs.map((r) => r.seq)).toEqual([2, 3]);
      expect(refs.merged).toBe(1);
      expect((await buffer.stats()).waiting['L:Email']).toBe(2);
      expect(await redis.hget(buffer.keys.counters, 'accepted')).toBe('3');
    } finally {
      redis.disconnect();
    }
  });

  it('runs the pipelined chunks of one enqueue in order on a new connection, while another client loads the script', async () => {
    // After a restart or failover the chunks go out on a new connection at once. Had each been an
    // EVALSHA, those answered NOSCRIPT would run after the others, once the script was loaded.
    const lua = luaSource(ENQUEUE_SCRIPT.file);
    for (let round = 0; round < 20; round++) {
      await admin.script('FLUSH');
      const producer = await createProducer({ url: server.url, prefix: `order-${round}`, chunkSize: 1 });
      try {
        const changes = Array.from({ length: 60 }, (_, i) => ({
          Email: 'same@x.com',
          attributes: { N: `${i}` },
        }));
        const written = producer.enqueueLeads(changes);
        await admin.script('LOAD', lua);
        const result = await written;
        expect(result.accepted.map((r) => r.seq)).toEqual(changes.map((_, i) => i + 1));
        const base = await admin.hget(`{order-${round}}:rec:L:em:same%40x.com`, 'data');
        expect(JSON.parse(base!)).toMatchObject({ attributes: { N: '59' } });
      } finally {
        await producer.close();
      }
    }
  });

  it('keeps one sequence counter on a connection with a keyPrefix (ioredis prefixes the key as before)', async () => {
    const redis = new Redis(server.url, { keyPrefix: 'app:' });
    try {
      const buffer = new RedisBuffer(redis, 'kp');
      const seqs = [];
      for (const email of ['a@x.com', 'b@x.com', 'c@x.com'])
        seqs.push(...(await buffer.enqueue(leads({ Email: email }))).map((r) => r.seq));
      expect(seqs).toEqual([1, 2, 3]);
      expect(await admin.get('app:{kp}:seq')).toBe('3');
      expect(await admin.exists('{kp}:seq')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
