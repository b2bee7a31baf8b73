import { Queue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisBuffer } from '../src/buffer/buffer.js';
import { bufferedLead, leadChangeSchema } from '../src/producer/changes.js';
import { startWorker } from '../src/worker/worker.js';
import { dropPrefix, freshPrefix, median, settingsFor, waitDrained } from './harness.js';

/** A backlog of `changes` lead changes over `leads` leads, written straight into a buffer. */
export async function fillBacklog(
  redis: Redis,
  prefix: string,
  changes: number,
  leads: number,
  seed = 1,
): Promise<void> {
  const buffer = new RedisBuffer(redis, prefix);
  // A backlog built while this release's workers served the prefix, as in a deployment: a lead's
  // merging changes wait in the record and are merged when it is claimed.
  await buffer.allowMergeWait();
  let batch = [];
  for (let i = 0; i < changes; i++) {
    const n = (i * 7919 + seed) % leads;
    batch.push(
      bufferedLead(
        leadChangeSchema.parse({
          Email: `lead${n}@example.com`,
          attributes: { City: `c${i % 50}`, LeadScore: i % 100 },
        }),
      ),
    );
    if (batch.length === 1000) {
      await buffer.enqueue(batch);
      batch = [];
    }
  }
  if (batch.length) await buffer.enqueue(batch);
}

/** Backlog → outcomes with mktsync workers, and one no-op job per change with a plain BullMQ worker. */
export async function benchDrain(
  redisUrl: string,
  endpoint: string,
  changes: number,
  leads: number,
  runs: number,
  workers = 1,
) {
  const redis = new Redis(redisUrl);
  const ours: number[] = [];
  const baseline: number[] = [];
  const records: number[] = [];
  for (let run = 0; run < runs; run++) {
    const prefix = freshPrefix();
    await fillBacklog(redis, prefix, changes, leads, run + 1);
    const settings = settingsFor(redisUrl, endpoint, prefix, {
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_MAX_CONCURRENT: '0',
      MKTSYNC_LINGER_MS: '50',
    });
    const t = performance.now();
    const started = await Promise.all(
      Array.from({ length: workers }, () => startWorker(settings, { http: false, loops: 8 })),
    );
    await waitDrained(redis, prefix);
    const seconds = (performance.now() - t) / 1000;
    await Promise.all(started.map((w) => w.stop()));
    ours.push(changes / seconds);
    records.push(leads / seconds);
    await dropPrefix(redis, `{${prefix}}*`);

    const name = freshPrefix();
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection });
    for (let i = 0; i < changes; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, changes - i) }, (_, j) => ({
          name: 'change',
          data: { n: i + j },
          opts: { removeOnComplete: true },
        })),
      );
    }
    let done = 0;
    let resolveDone = (): void => {};
    const finished = new Promise<void>((resolve) => (resolveDone = resolve));
    const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const tb = performance.now();
    const worker = new BullWorker(
      name,
      async () => {
        if (++done === changes) resolveDone();
      },
      { connection: workerConnection, concurrency: 100 },
    );
    await finished;
    const baselineSeconds = (performance.now() - tb) / 1000;
    await worker.close();
    workerConnection.disconnect();
    baseline.push(changes / baselineSeconds);
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
  redis.disconnect();
  return {
    changesPerSec: median(ours),
    recordsPerSec: median(records),
    bullmqNoopJobsPerSec: median(baseline),
    changes,
    leads,
    runs,
  };
}
