import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { readWorkerSettings } from '../../src/config.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { freshPrefix, TEST_REST_CLIENT, TRANSPORTS, transportEnv } from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { enqueueAll, expectedState, makeStream } from '../helpers/stream.js';

let cluster: RedisCluster;
let f: EmulatorFixture | undefined;
let producer: Producer | undefined;
let workers: Worker[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await producer?.close();
  await f?.close();
});
afterAll(async () => {
  await cluster?.stop();
});

describe.each(TRANSPORTS)('Redis Cluster (three masters) over %s', (transport) => {
  it('runs the whole pipeline with every key under one hash tag', async () => {
    f = await startFixture({
      limits: { rateCalls: null, concurrency: null, dailyQuota: null },
      // The stream creates opportunities without a Name, which only REST refuses (1002).
      rest: { ...TEST_REST_CLIENT, opportunityNameRequired: false },
    });
    const prefix = freshPrefix();
    producer = await createProducer({ clusterNodes: cluster.nodes, prefix, transport });
    const accepted = await enqueueAll(producer, makeStream(3_000, 300, 60));
    const settings = readWorkerSettings({
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      MKTSYNC_PREFIX: prefix,
      ...transportEnv(f, transport),
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
    });
    workers = [await startWorker(settings, { http: false }), await startWorker(settings, { http: false })];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stats = await producer.buffer.stats();
      if (stats.waitingTotal === 0 && stats.inFlight === 0) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(stats)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const expected = expectedState(accepted);
    const leads = new Map(
      (f.emulator.leads.all() as EmulatedLead[]).map((l) => {
        // Over REST the email is a field like any other, and the emulator's store keeps it among them.
        const { Email: email, ...attributes } = l.attributes;
        return [(l.Email ?? email)!.toLowerCase(), attributes];
      }),
    );
    expect(leads).toEqual(expected.leads);
    for (const { ref } of accepted)
      expect((await producer.getOutcome(ref.key))!.lastSeq).toBeGreaterThanOrEqual(ref.seq);
  });
});
