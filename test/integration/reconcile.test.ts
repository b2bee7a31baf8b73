import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { reconcileKeys } from '../../src/reconcile/reconcile-keys.js';
import { reconcileQueue, submitRun } from '../../src/reconcile/reconcile-queue.js';
import { startReconcileWorker, type ReconcileWorker } from '../../src/reconcile/reconcile-worker.js';
import type { RunData, RunRequest, RunSummary } from '../../src/reconcile/run-types.js';
import { readSetMeta } from '../../src/reconcile/set-meta.js';
import { runCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'mktsync-reconcile-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const lead = (n: number, city = `City ${n}`) => ({
  Email: `r${n}@example.com`,
  attributes: { FirstName: `First ${n}`, City: city },
});

let p: PipelineFixture;
let queue: Queue<RunData, RunSummary, string>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await p?.close();
});

/** A pipeline (emulator, batch worker) plus an in-process reconcile processor and the queue. */
async function setup(workerEnv: Record<string, string> = {}): Promise<void> {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0', ...workerEnv });
  await p.startWorker();
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = reconcileQueue(p.redis, p.prefix);
  const processor: ReconcileWorker = await startReconcileWorker({
    redis: connection,
    connection,
    producer: p.producer,
    prefix: p.prefix,
    confirmPollMs: 100,
    jobLockMs: 5000,
  });
  cleanups.push(async () => {
    await processor.close();
    await queue.close();
    connection.disconnect();
  });
}

async function finished(id: string, timeoutMs = 30_000): Promise<RunSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    const state = await job?.getState();
    if (state === 'completed') return job!.returnvalue;
    if (state === 'failed') throw new Error(`run ${id} failed: ${job!.failedReason}`);
    if (Date.now() > deadline) throw new Error(`run ${id} still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const run = async (request: RunRequest): Promise<RunSummary> => finished(await submitRun(queue, request));

/** Emails sent to the emulator in calls after `since`. */
const sentEmails = (since: number): string[] =>
  p.f.emulator.calls
    .since(since)
    .flatMap((c) => c.records as { Email?: string }[])
    .map((r) => r.Email!)
    .sort();

const env = () => ({ REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: p.prefix });

describe('reconcile runs', () => {
  it('sends only new and changed records on the second run; Marketo then equals the export; absent ones are listed', async () => {
    await setup();
    const first = Array.from({ length: 40 }, (_, i) => lead(i));
    const path = file('nightly.ndjson', ndjson(first));
    const one = await run({ kind: 'leads', source: path, set: 'nightly' });
    expect(one).toMatchObject({ read: 40, new: 40, changed: 0, unchanged: 0, enqueued: 40, confirmed: 40 });
    expect(one).toMatchObject({ failed: 0, unconfirmed: 0, absent: 0, tracked: 40 });
    expect(p.f.emulator.leads.size).toBe(40);

    // Between the runs: 4 rows change (r3, r13, r23, r33), 2 appear, 1 disappears (r39).
    const second = first.slice(0, 39).map((l, i) => (i % 10 === 3 ? lead(i, `Moved ${i}`) : l));
    second.push(lead(100), lead(101));
    writeFileSync(path, ndjson(second.reverse()));
    const callsBefore = p.f.emulator.calls.total;
    const two = await run({ kind: 'leads', source: path, set: 'nightly' });
    expect(two).toMatchObject({ read: 41, unchanged: 35, changed: 4, new: 2, enqueued: 6, confirmed: 6 });
    expect(two).toMatchObject({ failed: 0, absent: 1, tracked: 42 });
    expect(sentEmails(callsBefore)).toEqual(
      ['r3', 'r13', 'r23', 'r33', 'r100', 'r101'].map((e) => `${e}@example.com`).sort(),
    );
    // Marketo holds exactly the export (and the absent lead, which SOAP cannot delete).
    const byEmail = new Map(p.f.emulator.leads.all().map((l) => [l.Email, l.attributes]));
    for (const l of second) expect(byEmail.get(l.Email)).toMatchObject(l.attributes);
    expect(p.f.emulator.leads.size).toBe(42);

    const absent = await runCli(['reconcile', 'absent', 'nightly'], env());
    expect(absent.code).toBe(0);
    const listed = absent.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { marketoId: number });
    const r39 = p.f.emulator.leads.all().find((l) => l.Email === 'r39@example.com')!;
    expect(listed.map((l) => l.marketoId)).toEqual([r39.id]);

    // The fingerprints stay compact: every bucket is a listpack.
    const meta = await readSetMeta(p.redis, reconcileKeys(p.prefix), 'nightly');
    const keys = reconcileKeys(p.prefix);
    for (let b = 0; b < meta.buckets; b++) {
      const key = keys.bucket('nightly', meta.generation, b);
      if ((await p.redis.exists(key)) === 1) expect(await p.redis.object('ENCODING', key)).toBe('listpack');
    }
    // A third run over the same export sends nothing.
    const callsBefore3 = p.f.emulator.calls.total;
    const three = await run({ kind: 'leads', source: path, set: 'nightly' });
    expect(three).toMatchObject({ unchanged: 41, enqueued: 0 });
    expect(p.f.emulator.calls.total).toBe(callsBefore3);
  });

  it('sends a record that failed in run 1 again in run 2, and only that one', async () => {
    await setup();
    p.f.emulator.configure({
      faults: { recordRules: [{ match: { email: 'r2@example.com' }, effect: 'fail', code: 1003 }] },
    });
    const path = file('fails.ndjson', ndjson([lead(1), lead(2), lead(3)]));
    const one = await run({ kind: 'leads', source: path, set: 'fails' });
    expect(one).toMatchObject({
      new: 3,
      enqueued: 3,
      confirmed: 2,
      failed: 1,
      failedKeys: ['L:em:r2%40example.com'],
    });
    p.f.emulator.configure({ faults: { recordRules: [] } });
    const callsBefore = p.f.emulator.calls.total;
    const two = await run({ kind: 'leads', source: path, set: 'fails' });
    expect(two).toMatchObject({ unchanged: 2, new: 1, enqueued: 1, confirmed: 1, failed: 0 });
    expect(sentEmails(callsBefore)).toEqual(['r2@example.com']);
  });

  it('reads CSV from a URL, reports bad rows with line numbers, and --full sends every row', async () => {
    await setup();
    const csv =
      'Email,FirstName,City\nann@example.com,Ann,"Köln, DE"\n,NoKey,Nowhere\nbob@example.com,Bob,Berlin\n';
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv' });
      res.end(csv);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm/people.csv`;
    const one = await runCli(['reconcile', 'run', '--leads', url, '--wait'], env());
    expect(one.code).toBe(1);
    const s1 = JSON.parse(one.stdout) as RunSummary;
    expect(s1).toMatchObject({ set: 'people', read: 3, new: 2, refused: 1, confirmed: 2 });
    expect(s1.refusedRows).toEqual([
      { line: 3, field: '(record)', reason: expect.stringContaining('at least one key') },
    ]);

    const full = await runCli(['reconcile', 'run', '--leads', url, '--full', '--wait'], env());
    const s2 = JSON.parse(full.stdout) as RunSummary;
    expect(s2).toMatchObject({ unchanged: 2, enqueued: 2, confirmed: 2, full: true });
  });
});
