import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { FingerprintStore } from '../../src/reconcile/fingerprint-store.js';
import { encodePending, PendingOutcomes } from '../../src/reconcile/pending-outcomes.js';
import { reconcileKeys } from '../../src/reconcile/reconcile-keys.js';
import { processRun, RunInterruptedError, type RunDeps } from '../../src/reconcile/run-processor.js';
import type { RunProgress, RunSummary } from '../../src/reconcile/run-types.js';
import { runCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'mktsync-reconcile-memory-'));
const lead = (n: number, city = `City ${n}`) => ({
  Email: `m${n}@example.com`,
  attributes: { FirstName: `First ${n}`, City: city },
});
const write = (name: string, rows: object[]): string => {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
};

let p: PipelineFixture | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

async function setup(): Promise<PipelineFixture> {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0' });
  await p.startWorker();
  return p;
}

let runs = 0;
/** One run in this process, waiting for its outcomes. */
function reconcile(
  f: PipelineFixture,
  source: string,
  options: {
    deps?: Partial<RunDeps>;
    id?: string;
    signal?: AbortSignal;
    progress?: (p: RunProgress) => void;
  } = {},
): Promise<RunSummary> {
  return processRun(
    {
      id: options.id ?? `mem-${++runs}`,
      data: { kind: 'leads', source, set: 'nightly', full: false },
      progress: async (p) => options.progress?.(p),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { redis: f.redis, producer: f.producer, prefix: f.prefix, confirmPollMs: 100, ...options.deps },
  );
}

/** Marketo ids the CLI lists as absent from the set's last run. */
async function listedAbsent(f: PipelineFixture): Promise<number[]> {
  const out = await runCli(['reconcile', 'absent', 'nightly'], {
    REDIS_URL: inject('redisUrl'),
    MKTSYNC_PREFIX: f.prefix,
  });
  expect(out.code).toBe(0);
  return out.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { marketoId: number }).marketoId)
    .sort((a, b) => a - b);
}
const idOf = (f: PipelineFixture, n: number): number =>
  f.f.emulator.leads.all().find((l) => l.Email === `m${n}@example.com`)!.id;

describe('the in-memory diff and its Redis fallback', () => {
  it('diffs in Redis for a set over the memory limit, in memory otherwise, with the same results in either order', async () => {
    const f = await setup();
    const rows = Array.from({ length: 30 }, (_, i) => lead(i));
    // Run 1 in Redis (a limit of 0 bytes fits nothing).
    const one = await reconcile(f, write('1.ndjson', rows), { deps: { memoryLimitBytes: 0 } });
    expect(one).toMatchObject({ diff: 'redis', new: 30, confirmed: 30, tracked: 30, absent: 0 });

    // Run 2 in memory: 3 changed, m29 gone, m50 new.
    const two = rows.slice(0, 29).map((l, i) => (i % 10 === 1 ? lead(i, `Moved ${i}`) : l));
    two.push(lead(50));
    const s2 = await reconcile(f, write('2.ndjson', two));
    expect(s2).toMatchObject({ diff: 'memory', unchanged: 26, changed: 3, new: 1, enqueued: 4 });
    expect(s2).toMatchObject({ confirmed: 4, failed: 0, absent: 1, tracked: 31 });
    expect(await listedAbsent(f)).toEqual([idOf(f, 29)]);

    // Run 3 in Redis again: m29 back, m28 gone, nothing else changed.
    const three = [...two.filter((l) => l.Email !== 'm28@example.com'), lead(29)];
    const s3 = await reconcile(f, write('3.ndjson', three), { deps: { memoryLimitBytes: 0 } });
    expect(s3).toMatchObject({ diff: 'redis', unchanged: 30, changed: 0, new: 0, absent: 1, tracked: 31 });
    expect(await listedAbsent(f)).toEqual([idOf(f, 28)]);

    // Run 4 in memory over the same export: the same absent record, nothing sent.
    const s4 = await reconcile(f, write('4.ndjson', three));
    expect(s4).toMatchObject({ diff: 'memory', unchanged: 30, enqueued: 0, absent: 1, tracked: 31 });
    expect(await listedAbsent(f)).toEqual([idOf(f, 28)]);
  });

  it('rebuilds the set in memory when a run resumes, so rows before the checkpoint still count as seen', async () => {
    const f = await setup();
    const rows = Array.from({ length: 100 }, (_, i) => lead(i));
    expect(await reconcile(f, write('r1.ndjson', rows))).toMatchObject({ new: 100, confirmed: 100 });

    // 5 changed (m5, m25, m45, m65, m85) and m99 gone; the run is stopped after its first checkpoints.
    const next = rows.slice(0, 99).map((l, i) => (i % 20 === 5 ? lead(i, `Moved ${i}`) : l));
    const path = write('r2.ndjson', next);
    const stop = new AbortController();
    const first = reconcile(f, path, {
      deps: { chunkRows: 10 },
      id: 'resumed',
      signal: stop.signal,
      progress: (p) => {
        if (p.line >= 30) stop.abort();
      },
    });
    await expect(first).rejects.toBeInstanceOf(RunInterruptedError);
    const line = Number(await f.redis.hget(`{${f.prefix}}:rc:run:resumed`, 'line'));
    expect(line).toBeGreaterThanOrEqual(30);
    expect(line).toBeLessThan(99);

    const summary = await reconcile(f, path, { id: 'resumed' });
    expect(summary).toMatchObject({ diff: 'memory', resumed: 1, read: 99, unchanged: 94, changed: 5 });
    expect(summary).toMatchObject({ new: 0, confirmed: 5, failed: 0, absent: 1, tracked: 100 });
    expect(await listedAbsent(f)).toEqual([idOf(f, 99)]);
  });

  it('settles an outcome without dropping a later enqueue of the same record checkpointed meanwhile', async () => {
    // Outcomes are confirmed beside the reading: a record twice in one export may be checkpointed
    // again (a later sequence number) while the outcome of its first enqueue is being settled.
    const f = await startPipeline({}, {});
    p = f;
    const keys = reconcileKeys(f.prefix);
    const store = new FingerprintStore(f.redis, keys, 'race', 16, 1);
    await f.redis.hset(keys.run('race-run'), { confirmed: 0, failed: 0 });
    const pending = new PendingOutcomes(f.redis, f.producer.buffer, keys, 'race-run', 3);
    const key = 'L:email:race@example.com';
    const first = { seq: 10, keyDigest: Buffer.alloc(8, 1), content: Buffer.alloc(8, 2) };
    const later = { seq: 20, keyDigest: Buffer.alloc(8, 1), content: Buffer.alloc(8, 3) };
    pending.pending.set(key, first);
    // The checkpoint of the later enqueue is written; its in-memory entry follows it.
    await f.redis.hset(keys.pending('race-run'), key, encodePending(later));
    await f.redis.set(
      f.producer.buffer.keys.outcome(key),
      JSON.stringify({ key, status: 'UPDATED', id: 7, lastSeq: 10, firstSeq: 10, changes: 1 }),
    );
    expect(await pending.confirm(store)).toBe(1);
    expect(await f.redis.hget(keys.pending('race-run'), key)).toBe(encodePending(later));
    expect(await f.redis.hget(keys.run('race-run'), 'confirmed')).toBe('1');
    // The first enqueue's fingerprint is committed (Marketo confirmed it).
    const stored = (await f.redis.hgetBuffer(
      keys.bucket('race', 1, store.bucketOf(first.keyDigest)),
      first.keyDigest,
    ))!;
    expect(stored.subarray(0, 8).equals(first.content)).toBe(true);
  });
});
