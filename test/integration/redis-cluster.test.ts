import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { readWorkerSettings } from '../../src/config.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { enqueueAll, expectedState, makeStream } from '../helpers/stream.js';

let cluster: RedisCluster;
let f: EmulatorFixture;
let producer: Producer;
let workers: Worker[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  f = await startFixture({ limits: { rateCalls: null, concurrency: null, dailyQuota: null } });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await producer?.close();
  await f?.close();
  await cluster?.stop();
});

describe('Redis Cluster (three masters)', () => {
  it('runs the whole pipeline with every key under one hash tag', async () => {
    const prefix = freshPrefix();
    producer = await createProducer({ clusterNodes: cluster.nodes, prefix });
    const accepted = await enqueueAll(producer, makeStream(3_000, 300, 60));
    const settings = readWorkerSettings({
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      MKTSYNC_PREFIX: prefix,
      MARKETO_SOAP_ENDPOINT: f.emulator.endpoint,
      MARKETO_USER_ID: f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: f.credentials.encryptionKey,
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
      (f.emulator.leads.all() as EmulatedLead[]).map((l) => [l.Email!.toLowerCase(), l.attributes]),
    );
    expect(leads).toEqual(expected.leads);
    for (const { ref } of accepted)
      expect((await producer.getOutcome(ref.key))!.lastSeq).toBeGreaterThanOrEqual(ref.seq);
  });
});
