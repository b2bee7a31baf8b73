import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import os from 'node:os';
import { Redis } from 'ioredis';
import { readRecords } from '../src/producer/file-records.js';
import { createProducer } from '../src/producer/producer.js';
import { rowFingerprint } from '../src/reconcile/fingerprint.js';
import { bucketsFor, FingerprintStore } from '../src/reconcile/fingerprint-store.js';
import { reconcileKeys } from '../src/reconcile/reconcile-keys.js';
import { processRun } from '../src/reconcile/run-processor.js';
import { BIN, dropPrefix, freshPrefix, median, workerEnv } from './harness.js';

/** Row i's content version in export `v`: how many of the exports 1..v changed it (2% each, deterministic). */
function version(i: number, v: number, changedShare: number): number {
  let n = 0;
  for (let r = 1; r <= v; r++) {
    // A cheap deterministic hash of (i, r) into [0, 1).
    const h = (Math.imul(i ^ Math.imul(r, 0x9e3779b1), 0x85ebca6b) >>> 0) / 2 ** 32;
    if (h < changedShare) n++;
  }
  return n;
}

function leadRow(i: number, v: number): string {
  return JSON.stringify({
    Email: `lead${i}@example.com`,
    attributes: { FirstName: `First${i}`, LastName: `Last${i % 977}`, City: `City ${i % 1013} v${v}` },
  });
}

async function writeExport(path: string, rows: number, v: number, share: number): Promise<number> {
  const out = createWriteStream(path);
  let changed = 0;
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    const now = version(i, v, share);
    if (v > 0 && now !== version(i, v - 1, share)) changed++;
    chunk.push(leadRow(i, now));
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return changed;
}

const usedMemory = async (redis: Redis): Promise<number> =>
  Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

/**
 * A `rows`-row lead export of which 2% changed since the last run: the time to diff and enqueue it
 * (reconcile, against a set that holds the previous export's confirmed fingerprints) against the time
 * `mktsync enqueue` takes for the whole file; calls made against ceil(changed / 300); Redis bytes per
 * tracked record.
 */
export async function benchReconcile(
  redisUrl: string,
  emulator: { endpoint: string; url: string },
  rows: number,
  runs: number,
) {
  const share = 0.02;
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-bench-reconcile-'));
  const redis = new Redis(redisUrl);
  const prefix = freshPrefix();
  const keys = reconcileKeys(prefix);
  const set = 'nightly';
  try {
    // The set after a run over export 0: every record's fingerprint confirmed (written directly, as the
    // run would have committed them one outcome at a time).
    const export0 = join(dir, 'export-0.ndjson');
    await writeExport(export0, rows, 0, share);
    const memBefore = await usedMemory(redis);
    const store = new FingerprintStore(redis, keys, set, bucketsFor(rows), 1);
    const BATCH = 10_000;
    let batch: { keyDigest: Buffer; content: Buffer; marketoId: number | null }[] = [];
    for (let i = 0; i < rows; i++) {
      const line = leadRow(i, 0);
      const { keyDigest, content } = rowFingerprint('leads', JSON.parse(line), undefined, Buffer.from(line))!;
      batch.push({ keyDigest, content, marketoId: 1_000_000 + i });
      if (batch.length === BATCH || i === rows - 1) {
        await store.commit(batch, 1);
        batch = [];
      }
    }
    await redis.hset(keys.set(set), {
      kind: 'leads',
      buckets: store.buckets,
      gen: 1,
      runs: 1,
      lastStamp: 1,
      tracked: rows,
    });
    await redis.sadd(keys.sets, set);
    const memAfter = await usedMemory(redis);
    let memoryUsage = 0;
    for (let b = 0; b < store.buckets; b += 500) {
      const p = redis.pipeline();
      for (let k = b; k < Math.min(b + 500, store.buckets); k++)
        p.memory('USAGE', store.bucketKey(k), 'SAMPLES', 0);
      for (const [, v] of (await p.exec())!) memoryUsage += Number(v ?? 0);
    }
    const encodings = new Map<string, number>();
    for (let b = 0; b < store.buckets; b += Math.max(1, Math.floor(store.buckets / 200))) {
      const e = String(await redis.object('ENCODING', store.bucketKey(b)));
      encodings.set(e, (encodings.get(e) ?? 0) + 1);
    }

    const worker = spawn(process.execPath, [BIN, 'worker'], {
      env: workerEnv(redisUrl, emulator.endpoint, prefix, { MKTSYNC_RECONCILE: 'off' }),
      stdio: 'ignore',
    });
    const producer = await createProducer({ url: redisUrl, prefix });
    const runRedis = new Redis(redisUrl);
    const measured: {
      enqueueSeconds: number;
      readSeconds: number;
      diffEnqueueSeconds: number;
      runSeconds: number;
      changed: number;
      enqueued: number;
      confirmed: number;
      calls: number;
      minimumCalls: number;
      diff: string;
      /** CPU seconds of this process (which runs the reconcile) until the last row was checkpointed. */
      diffCpuSeconds: number;
      /** The machine's 1-minute load average as the run started (2 cores; other jobs share them). */
      loadAverage: number;
      peakRssMB: number;
      rssBeforeMB: number;
      peakArrayBuffersMB: number;
    }[] = [];
    try {
      for (let v = 1; v <= runs; v++) {
        const path = join(dir, `export-${v}.ndjson`);
        const expectedChanged = await writeExport(path, rows, v, share);

        // Baseline: `mktsync enqueue` of the whole file into a buffer of its own (no worker).
        const basePrefix = freshPrefix();
        const enq = spawn(process.execPath, [BIN, 'enqueue', '--leads', path, '--quiet'], {
          env: { ...process.env, REDIS_URL: redisUrl, MKTSYNC_PREFIX: basePrefix },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        enq.stdout.on('data', (d: Buffer) => (out += d.toString()));
        await once(enq, 'exit');
        const enqueueSeconds = (JSON.parse(out) as { seconds: number }).seconds;
        await dropPrefix(redis, `{${basePrefix}}*`);

        // The floor both share: reading and parsing every row with the file reader of `mktsync enqueue`.
        const readStarted = performance.now();
        let readRows = 0;
        for await (const record of readRecords(path, 'leads')) if (record.value !== undefined) readRows++;
        const readSeconds = (performance.now() - readStarted) / 1000;
        if (readRows !== rows) throw new Error(`read ${readRows} of ${rows} rows`);

        const callsBefore = (
          (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as { calls: number }
        ).calls;
        global.gc?.();
        const rssBefore = process.memoryUsage().rss;
        let peakRss = rssBefore;
        let peakArrayBuffers = 0;
        const sampler = setInterval(() => {
          const m = process.memoryUsage();
          peakRss = Math.max(peakRss, m.rss);
          peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
        }, 50);
        const loadAverage = os.loadavg()[0]!;
        const cpuStarted = process.cpuUsage();
        let cpuAtReadDone: NodeJS.CpuUsage | undefined;
        const started = performance.now();
        let readDoneAt = 0;
        const summary = await processRun(
          {
            id: `bench-${v}`,
            data: { kind: 'leads', source: path, set, full: false },
            progress: async (p) => {
              if (p.phase !== 'reading' && readDoneAt === 0) {
                readDoneAt = performance.now();
                cpuAtReadDone = process.cpuUsage(cpuStarted);
              }
            },
          },
          { redis: runRedis, producer, prefix, confirmPollMs: 250 },
        );
        const ended = performance.now();
        clearInterval(sampler);
        const calls =
          ((await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as { calls: number }).calls -
          callsBefore;
        if (summary.changed !== expectedChanged)
          throw new Error(`run ${v}: ${summary.changed} changed, the export has ${expectedChanged}`);
        measured.push({
          enqueueSeconds,
          readSeconds,
          diffEnqueueSeconds: (readDoneAt - started) / 1000,
          runSeconds: (ended - started) / 1000,
          changed: summary.changed,
          enqueued: summary.enqueued,
          confirmed: summary.confirmed,
          calls,
          minimumCalls: Math.ceil(summary.changed / 300),
          diff: summary.diff,
          diffCpuSeconds: cpuAtReadDone ? (cpuAtReadDone.user + cpuAtReadDone.system) / 1e6 : NaN,
          loadAverage,
          peakRssMB: peakRss / 2 ** 20,
          rssBeforeMB: rssBefore / 2 ** 20,
          peakArrayBuffersMB: peakArrayBuffers / 2 ** 20,
        });
        rmSync(path);
      }
    } finally {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
      await producer.close();
      runRedis.disconnect();
    }
    const med = (f: (m: (typeof measured)[number]) => number): number => median(measured.map(f));
    return {
      rows,
      changedShare: share,
      runs: measured,
      enqueueSeconds: med((m) => m.enqueueSeconds),
      diffEnqueueSeconds: med((m) => m.diffEnqueueSeconds),
      readOnlySeconds: med((m) => m.readSeconds),
      readOnlyOverEnqueue: med((m) => m.readSeconds / m.enqueueSeconds),
      runSeconds: med((m) => m.runSeconds),
      diffOverEnqueue: med((m) => m.diffEnqueueSeconds / m.enqueueSeconds),
      callsOverMinimum: med((m) => m.calls / m.minimumCalls),
      diffCpuSeconds: med((m) => m.diffCpuSeconds),
      loadAverage: med((m) => m.loadAverage),
      runPeakRssMB: med((m) => m.peakRssMB),
      runRssGrowthMB: med((m) => m.peakRssMB - m.rssBeforeMB),
      runPeakArrayBuffersMB: med((m) => m.peakArrayBuffersMB),
      buckets: store.buckets,
      bucketEncodings: Object.fromEntries(encodings),
      redisBytesPerTrackedRecord: (memAfter - memBefore) / rows,
      memoryUsageBytesPerTrackedRecord: memoryUsage / rows,
    };
  } finally {
    await dropPrefix(redis, `{${prefix}}*`);
    await dropPrefix(redis, `{${prefix}:fp:*`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
