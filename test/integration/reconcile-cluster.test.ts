import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkerSettings } from '../../src/config.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { reconcileKeys } from '../../src/reconcile/reconcile-keys.js';
import { reconcileQueue, submitRun } from '../../src/reconcile/reconcile-queue.js';
import { startReconcileWorker, type ReconcileWorker } from '../../src/reconcile/reconcile-worker.js';
import type { RunSummary } from '../../src/reconcile/run-types.js';
import { readSetMeta } from '../../src/reconcile/set-meta.js';
import { connectRedis, waitReady } from '../../src/redis.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';

let cluster: RedisCluster;
let f: EmulatorFixture;
let redis: Cluster;
let producer: Producer;
let worker: Worker;
let processor: ReconcileWorker;

beforeAll(async () => {
  cluster = await startRedisCluster();
  f = await startFixture({ limits: { rateCalls: null, concurrency: null, dailyQuota: null } });
});
afterAll(async () => {
  await processor?.close();
  await worker?.stop();
  await producer?.close();
  redis?.disconnect();
  await f?.close();
  await cluster?.stop();
});

describe('reconcile on Redis Cluster (three masters)', () => {
  it('runs as a BullMQ job under the prefix hash tag and spreads the fingerprint buckets over the masters', async () => {
    const prefix = freshPrefix();
    redis = connectRedis({ clusterNodes: cluster.nodes }, 'worker') as Cluster;
    await waitReady(redis);
    producer = await createProducer({ redis, prefix });
    worker = await startWorker(
      readWorkerSettings({
        REDIS_CLUSTER_NODES: cluster.nodes.join(','),
        MKTSYNC_PREFIX: prefix,
        MARKETO_SOAP_ENDPOINT: f.emulator.endpoint,
        MARKETO_USER_ID: f.credentials.userId,
        MARKETO_ENCRYPTION_KEY: f.credentials.encryptionKey,
        MKTSYNC_LINGER_MS: '50',
        MKTSYNC_QUIET_MS: '0',
      }),
      { http: false },
    );
    processor = await startReconcileWorker({
      redis,
      connection: redis,
      producer,
      prefix,
      confirmPollMs: 100,
    });
    const queue = reconcileQueue(redis, prefix);
    const dir = mkdtempSync(join(tmpdir(), 'mktsync-rc-cluster-'));
    const path = join(dir, 'export.ndjson');
    const rows = (city: (i: number) => string): string =>
      Array.from({ length: 2000 }, (_, i) =>
        JSON.stringify({ Email: `c${i}@example.com`, attributes: { City: city(i) } }),
      ).join('\n');
    const finished = async (id: string): Promise<RunSummary> => {
      for (;;) {
        const job = await queue.getJob(id);
        const state = await job!.getState();
        if (state === 'completed') return job!.returnvalue;
        if (state === 'failed') throw new Error(job!.failedReason);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    writeFileSync(
      path,
      rows(() => 'a'),
    );
    const one = await finished(await submitRun(queue, { kind: 'leads', source: path, set: 'big' }));
    expect(one).toMatchObject({ new: 2000, confirmed: 2000, tracked: 2000 });
    writeFileSync(
      path,
      rows((i) => (i % 100 === 0 ? 'b' : 'a')),
    );
    const two = await finished(await submitRun(queue, { kind: 'leads', source: path, set: 'big' }));
    expect(two).toMatchObject({ unchanged: 1980, changed: 20, enqueued: 20, confirmed: 20 });

    // Every bucket, found on the master that serves its slot: spread over all three.
    const meta = await readSetMeta(redis, reconcileKeys(prefix), 'big');
    const holders = new Set<string>();
    for (const node of redis.nodes('master')) {
      const keys = await (node as Redis).keys(`{${prefix}:fp:big:*`);
      if (keys.length > 0) holders.add(`${node.options.host}:${node.options.port}`);
    }
    expect(meta.buckets).toBeGreaterThan(16);
    expect(holders.size).toBe(3);
    await queue.close();
  });
});
