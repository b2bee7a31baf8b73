import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferKeys } from '../../src/buffer/keys.js';
import { createProducer, EnqueueError, type Producer } from '../../src/producer/producer.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/** 3,000 lead changes with idempotency keys: sent again, each is answered from memory (a long answer). */
function keyedLeads(tag: string): { Email: string; idempotencyKey: string }[] {
  return Array.from({ length: 3_000 }, (_, i) => ({
    Email: `${tag}${i}@example.com`,
    idempotencyKey: `${tag}-${i}`,
  }));
}

/**
 * Sends `leads` again with one change that has no idempotency key and never merges, while `redis` (the
 * server that holds the prefix) closes a connection whose pending answer passes 1 KB: Redis runs the
 * script and drops its answer. Returns what the enqueue threw (undefined if it did not).
 */
async function loseAnswer(
  redis: Redis,
  producer: Producer,
  leads: { Email: string; idempotencyKey: string }[],
): Promise<unknown> {
  await redis.config('SET', 'client-output-buffer-limit', 'normal 1kb 1kb 0');
  try {
    return await producer.enqueueLeads([...leads, { Email: 'once@example.com', dedupEnabled: false }]).then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    await redis.config('SET', 'client-output-buffer-limit', 'normal 0 0 0');
  }
}

/**
 * A write Redis applied whose answer never arrived. Over a single Redis the producer reports it unknown
 * and never sends it again; over a Redis Cluster, ioredis resent a command whose connection closed (its
 * failover retry), which ran ENQUEUE again and wrote a change that never merges once more per resend
 * (6 or 7 times here before the fix in src/buffer/written-command.ts).
 * The answer is lost for certain here: Redis closes a connection whose pending answer passes the
 * output buffer limit, after the script ran. Every change but one is answered from its idempotency key
 * (a long answer); the last has none and never merges (dedupEnabled false).
 */
describe('a lost answer over a Redis Cluster', () => {
  it('is reported unknown, and the write is not made again', async () => {
    const prefix = freshPrefix();
    const keys = bufferKeys(prefix);
    const leads = keyedLeads('lost');
    const producer = await createProducer({ clusterNodes: cluster.nodes, prefix, chunkSize: 10_000 });
    // The master that holds the prefix's slot (every key of a prefix shares its hash tag).
    const masters = cluster.nodes.slice(0, 3).map((n) => new Redis(Number(n.split(':')[1]), '127.0.0.1'));
    const slot = Number(await masters[0]!.cluster('KEYSLOT', keys.seq));
    const ranges = await masters[0]!.cluster('SLOTS');
    const port = ranges.find(([from, to]) => slot >= from && slot <= to)![2]![1];
    const owner = masters.find((m) => m.options.port === port)!;
    try {
      expect((await producer.enqueueLeads(leads)).accepted).toHaveLength(3_000);
      const accepted = async (): Promise<number> => Number(await owner.hget(keys.counters, 'accepted'));
      expect(await accepted()).toBe(3_000);

      const failure = await loseAnswer(owner, producer, leads);

      // Unknown: Redis may have written it (it did), and the producer cannot tell.
      expect(failure).toBeInstanceOf(EnqueueError);
      expect((failure as EnqueueError).unknown).toHaveLength(3_001);
      // Written once: one change more than before, one record of the lead that never merges.
      expect(await accepted()).toBe(3_001);
      const records = await owner.keys(`${keys.base}:rec:L:em:once%40example.com#*`);
      expect(records).toHaveLength(1);

      // The next enqueue goes through at once: a call not yet written while the node's connection
      // comes back is retried as before (ioredis reports it with the same message as a closed one).
      const after = await producer.enqueueLeads([
        { Email: 'after@example.com', attributes: { City: 'Rome' } },
      ]);
      expect(after.accepted).toHaveLength(1);
      expect(await accepted()).toBe(3_002);
    } finally {
      for (const m of masters) m.disconnect();
      await producer.close();
    }
  });
});

/**
 * The same lost answer over a single Redis, whose connection comes back at the first try: ioredis kept
 * the unanswered call aside and, told not to resend it, dropped it without settling it, so the enqueue
 * never finished (an HTTP request held its body budget for good). It is answered unknown.
 */
describe('a lost answer over a single Redis', () => {
  it('is reported unknown, not left unanswered, and written once', async () => {
    const server = await startRedisServer();
    const prefix = freshPrefix();
    const keys = bufferKeys(prefix);
    const producer = await createProducer({ url: server.url, prefix, chunkSize: 10_000 });
    const admin = new Redis(server.url);
    try {
      const leads = keyedLeads('single');
      expect((await producer.enqueueLeads(leads)).accepted).toHaveLength(3_000);
      const failure = await loseAnswer(admin, producer, leads);
      expect(failure).toBeInstanceOf(EnqueueError);
      expect((failure as EnqueueError).unknown).toHaveLength(3_001);
      expect(Number(await admin.hget(keys.counters, 'accepted'))).toBe(3_001);
      // Refused (never sent) while the connection comes back, as a producer does; then accepted.
      let after = 0;
      await until('the next enqueue is accepted', async () => {
        try {
          after = (await producer.enqueueLeads([{ Email: 'after@example.com' }])).accepted.length;
          return true;
        } catch (error) {
          expect((error as EnqueueError).refused).toHaveLength(1);
          return false;
        }
      });
      expect(after).toBe(1);
      expect(Number(await admin.hget(keys.counters, 'accepted'))).toBe(3_002);
    } finally {
      admin.disconnect();
      await producer.close();
      await server.stop();
    }
  });
});
