import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bufferKeys } from '../src/buffer/keys.js';
import { startIngestServer } from '../src/producer/ingest-server.js';
import { createProducer } from '../src/producer/producer.js';
import type { LeadChange } from '../src/producer/changes.js';
import { dropPrefix, freshPrefix, median } from './harness.js';
import { ingestProcess } from './ingest-process.js';

/** The benchmark's lead changes: `n` changes over 50,000 distinct emails, three attributes each. */
export function ingestPayloads(n: number): LeadChange[] {
  return Array.from({ length: n }, (_, i) => ({
    Email: `user${i % 50_000}@example.com`,
    attributes: { FirstName: `F${i}`, City: i % 2 ? 'Berlin' : 'Austin', LeadScore: i % 100 },
  }));
}

/** Changes per call, as an application flushing its own small buffer would send them. */
export const INGEST_CHUNK = 500;

/** Runs `send` over every item from `callers` concurrent callers; returns `changes` per second. */
async function timed<T>(
  items: T[],
  callers: number,
  changes: number,
  send: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < items.length) await send(items[next++]!);
    }),
  );
  return changes / ((performance.now() - t) / 1000);
}

export interface IngestFigures {
  callers: number;
  libraryPerSec: number;
  /** `mktsync ingest` in its own process, node's `http` client in this one (the target's figure). */
  httpPerSec: number;
  /**
   * The server started in this process and driven by `fetch` from the same event loop, as measured
   * before 2026-12-07: reported beside the other for continuity, not a target.
   */
  httpInProcessFetchPerSec: number;
  bullmqAddBulkPerSec: number;
}

/**
 * Changes/s accepted through the library producer, through HTTP ingestion, and through plain BullMQ
 * `addBulk` of the same payloads in chunks of 500, from one caller and from several concurrent callers
 * (an application server's request handlers sharing one connection). HTTP ingestion is `mktsync
 * ingest` in its own process with its defaults (see {@link ingestProcess}), and also, for continuity,
 * the server in this process driven by `fetch`. The paths are interleaved in every run so that machine
 * noise hits them alike; the figure is the median over runs. Each prefix is marked as served by workers
 * of this release (`merge_wait`, as a deployment's workers mark it when they start), which lets a
 * lead's merging changes wait in Redis.
 */
export async function benchIngest(
  redisUrl: string,
  n: number,
  runs: number,
  callerCounts = [1, 8],
): Promise<IngestFigures[]> {
  const changes = ingestPayloads(n);
  const chunks: LeadChange[][] = [];
  for (let i = 0; i < n; i += INGEST_CHUNK) chunks.push(changes.slice(i, i + INGEST_CHUNK));
  const bodies = chunks.map((c) => JSON.stringify(c));
  const redis = new Redis(redisUrl);
  const out: IngestFigures[] = [];
  // One ingest process for every run, warmed up like this process's own code (which the library path
  // compiled before the in-process server runs); its keys are dropped after each run.
  const ingestPrefix = freshPrefix();
  const ingest = await ingestProcess(redisUrl, ingestPrefix, Math.max(...callerCounts));
  try {
    for (const body of bodies.slice(0, 20)) await ingest.postLeads(body);
    await dropPrefix(redis, `{${ingestPrefix}}*`);
    await redis.set(bufferKeys(ingestPrefix).mergeWait, '1');
    for (const callers of callerCounts) {
      const library: number[] = [];
      const http: number[] = [];
      const httpInProcess: number[] = [];
      const bullmq: number[] = [];
      for (let run = 0; run < runs; run++) {
        {
          const prefix = freshPrefix();
          const producer = await createProducer({ url: redisUrl, prefix });
          await producer.buffer.allowMergeWait();
          library.push(
            await timed(chunks, callers, n, async (chunk) => {
              const result = await producer.enqueueLeads(chunk);
              if (result.accepted.length !== chunk.length)
                throw new Error('the producer refused a bench change');
            }),
          );
          await producer.close();
          await dropPrefix(redis, `{${prefix}}*`);
        }
        {
          const prefix = freshPrefix();
          const producer = await createProducer({ url: redisUrl, prefix });
          await producer.buffer.allowMergeWait();
          const server = await startIngestServer({
            producer,
            authDisabled: true,
            maxBodyBytes: 50 * 1024 * 1024,
          });
          const perSec = await timed(bodies, callers, n, async (body) => {
            const response = await fetch(`${server.url}/v1/leads`, {
              method: 'POST',
              body,
              headers: { 'Content-Type': 'application/json' },
            });
            if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
            await response.arrayBuffer();
          });
          httpInProcess.push(perSec);
          await server.close();
          await producer.close();
          await dropPrefix(redis, `{${prefix}}*`);
        }
        http.push(await timed(bodies, callers, n, (body) => ingest.postLeads(body)));
        await dropPrefix(redis, `{${ingestPrefix}}*`);
        await redis.set(bufferKeys(ingestPrefix).mergeWait, '1');
        {
          const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
          const queue = new Queue(freshPrefix(), { connection });
          bullmq.push(
            await timed(chunks, callers, n, async (chunk) => {
              await queue.addBulk(chunk.map((data) => ({ name: 'change', data })));
            }),
          );
          await queue.obliterate({ force: true });
          await queue.close();
          connection.disconnect();
        }
      }
      out.push({
        callers,
        libraryPerSec: median(library),
        httpPerSec: median(http),
        httpInProcessFetchPerSec: median(httpInProcess),
        bullmqAddBulkPerSec: median(bullmq),
      });
    }
  } finally {
    // Also when a run fails: the process must not outlive the benchmark.
    await ingest.stop();
    redis.disconnect();
  }
  return out;
}
