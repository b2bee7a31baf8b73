import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readInstances } from '../../src/config.js';
import { createProducer, type ChangeReference, type Producer } from '../../src/producer/producer.js';
import { startInstanceWorkers, type InstanceWorkers } from '../../src/worker/instances-worker.js';
import { startInstances, type InstancesFixture } from '../helpers/instances.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { until } from '../helpers/until.js';

let fixture: InstancesFixture | undefined;
let workers: InstanceWorkers | undefined;
let producers: Producer[] = [];
let redis: Redis | undefined;
afterEach(async () => {
  await workers?.stop();
  for (const p of producers) await p.close();
  producers = [];
  redis?.disconnect();
  await fixture?.close();
});

describe('fairness between instances of one worker', () => {
  it("an instance with a 200,000-change backlog and slow answers never holds back another's live stream", async () => {
    fixture = await startInstances({ a: 'rest', b: 'rest' });
    // A answers slowly (5 s a call), so its backlog cannot drain during the test.
    fixture.emulator.instance('a').configure({ faults: { latency: { fixedMs: 5_000 } } });
    const prefix = freshPrefix();
    const env = {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      ...fixture.env,
      MKTSYNC_LINGER_MS: '100',
      MKTSYNC_QUIET_MS: '0',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_RECONCILE: 'off',
      MKTSYNC_MAX_CONCURRENT: '3',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '20000',
      MKTSYNC_LEASE_MS: '30000',
    };
    const catalog = readInstances(env);
    for (const name of ['a', 'b'])
      producers.push(await createProducer({ url: inject('redisUrl'), instances: catalog, instance: name }));
    const [a, b] = producers as [Producer, Producer];
    // A: a backlog of 200,000 changes (667 calls of 300, 3 at once, 5 s each: nearly twenty minutes of
    // work), as the issue has it.
    for (let i = 0; i < 200_000; i += 5_000)
      await a.enqueueLeads(
        Array.from({ length: 5_000 }, (_, j) => ({
          Email: `a${i + j}@example.com`,
          attributes: { City: 'x' },
        })),
      );
    redis = new Redis(inject('redisUrl'));
    workers = await startInstanceWorkers(
      catalog.served.map((name) => ({ name, settings: catalog.workerSettings(name) })),
      { redis, http: false },
    );
    // A is saturated: its concurrency limit is used by calls in flight.
    await until('A has 3 calls in flight', async () => (await a.buffer.stats()).inFlight >= 3);

    // B: a live stream, a small burst at a time, each waited for before the next.
    const latencies: number[] = [];
    for (let burst = 0; burst < 10; burst++) {
      const sent = Date.now();
      const result = await b.enqueueLeads(
        Array.from({ length: 20 }, (_, j) => ({
          Email: `b${burst}-${j}@example.com`,
          attributes: { City: 'y' },
        })),
      );
      const refs: ChangeReference[] = result.accepted;
      for (const ref of refs) {
        await b.waitForOutcome(ref, { timeoutMs: 60_000 });
        latencies.push(Date.now() - sent);
      }
    }
    // All of B is in its Marketo while A still holds most of its backlog and is still saturated.
    expect(fixture.emulator.instance('b').leads.size).toBe(200);
    const aStats = await a.buffer.stats();
    // Had B waited behind A (one queue, or A's limits), B would be sent after A's 200,000. A sends at
    // most 900 a 5 s round: most of its backlog is still there when all of B has arrived.
    expect(aStats.waitingTotal + aStats.inFlight).toBeGreaterThan(150_000);
    expect(aStats.inFlight).toBeGreaterThanOrEqual(1);
    latencies.sort((x, y) => x - y);
    console.log(
      `B latency while A is saturated: p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]} ms; A still holds ${aStats.waitingTotal + aStats.inFlight} records`,
    );
  }, 240_000);
});
