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
import { processRun } from '../../src/reconcile/run-processor.js';
import type { RunData, RunRequest, RunSummary } from '../../src/reconcile/run-types.js';
import { readSetMeta } from '../../src/reconcile/set-meta.js';
import { runCli, startCli } from '../helpers/cli.js';
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
let workerUrl: string | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await p?.close();
});

/** A pipeline (emulator, batch worker) plus an in-process reconcile processor and the queue. */
async function setup(workerEnv: Record<string, string> = {}): Promise<void> {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0', ...workerEnv });
  workerUrl = (await p.startWorker()).url;
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

  it('reads standard input in the CLI process and names bad NDJSON rows by line', async () => {
    await setup();
    const text = [
      JSON.stringify(lead(1)),
      'not json',
      JSON.stringify({ attributes: { City: 'x' } }),
      '',
      JSON.stringify({ ...lead(2), dedupEnabled: false }),
      JSON.stringify(lead(3)),
    ].join('\n');
    const out = await runCli(['reconcile', 'run', '--leads', '-', '--name', 'piped'], env(), text);
    expect(out.code).toBe(1);
    const summary = JSON.parse(out.stdout) as RunSummary;
    expect(summary).toMatchObject({ set: 'piped', read: 5, new: 2, refused: 3, enqueued: 2, confirmed: 2 });
    expect(summary.refusedRows.map((r) => [r.line, r.field])).toEqual([
      [2, '(record)'],
      [3, '(record)'],
      [5, 'dedupEnabled'],
    ]);
    expect(summary.refusedRows[0]!.reason).toMatch(/not valid JSON/);
  });

  it('runs on a schedule (BullMQ job scheduler) and lists schedules, sets and runs', async () => {
    const token = 'reconcile-view-token-0123';
    await setup({ MKTSYNC_INGEST_TOKEN: token });
    const path = file('scheduled.ndjson', ndjson([lead(1), lead(2)]));
    const made = await runCli(
      ['reconcile', 'schedule', 'every-second', '--every', '1000', '--leads', path],
      env(),
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'every-second',
      set: 'every-second',
      intervalMs: 1000,
    });
    const deadline = Date.now() + 20_000;
    let done: RunSummary | undefined;
    while (!done && Date.now() < deadline) {
      const jobs = await queue.getJobs(['completed']);
      done = jobs.find((j) => j.data.schedule === 'every-second')?.returnvalue;
      if (!done) await new Promise((r) => setTimeout(r, 200));
    }
    expect(done).toMatchObject({ set: 'every-second', read: 2 });
    const list = await runCli(['reconcile', 'list'], env());
    const lines = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.type === 'schedule')).toMatchObject({ name: 'every-second', everyMs: 1000 });
    expect(lines.find((l) => l.type === 'set')).toMatchObject({ name: 'every-second', tracked: 2 });
    expect(lines.find((l) => l.type === 'run' && l.state === 'completed')).toMatchObject({
      schedule: 'every-second',
      summary: { read: 2 },
    });
    // The worker's queue view lists them too.
    const view = (await (
      await fetch(`${workerUrl}/queue.json`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as {
      reconcile: { schedules: { name: string }[]; runs: { state: string; summary: unknown }[] };
    };
    expect(view.reconcile.schedules.map((s) => s.name)).toEqual(['every-second']);
    expect(view.reconcile.runs.find((r) => r.state === 'completed')?.summary).toMatchObject({ read: 2 });
    const html = await (
      await fetch(`${workerUrl}/queue`, { headers: { Authorization: `Bearer ${token}` } })
    ).text();
    expect(html).toContain('<h2>Reconcile runs</h2>');
    expect((await runCli(['reconcile', 'unschedule', 'every-second'], env())).code).toBe(0);
    expect(await queue.getJobSchedulers()).toEqual([]);
    const bad = await runCli(['reconcile', 'schedule', 'x', '--cron', 'not a cron', '--leads', path], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cron "not a cron"/);
  });

  it('bounds what it reads: a line over the limit fails the run at once, naming the line', async () => {
    await setup();
    const path = file(
      'long.ndjson',
      `${JSON.stringify(lead(1))}\n${JSON.stringify(lead(2, 'x'.repeat(5000)))}\n`,
    );
    const run = processRun(
      {
        id: 'bounded',
        data: { kind: 'leads', source: path, set: 'long', full: false },
        progress: async () => {},
      },
      {
        redis: p.redis,
        producer: p.producer,
        prefix: p.prefix,
        limits: { maxBytes: 1_000_000, maxLineBytes: 1024, connectTimeoutMs: 1000 },
      },
    );
    await expect(run).rejects.toThrow(`${path}:2: line longer than 1024 bytes`);
    // A CSV source goes through another reader; its bound must end the run the same way.
    const csv = file('long.csv', `Email,FirstName\na1@example.com,A\na2@example.com,${'z'.repeat(5000)}\n`);
    const csvRun = processRun(
      {
        id: 'bounded-csv',
        data: { kind: 'leads', source: csv, set: 'long-csv', full: false },
        progress: async () => {},
      },
      {
        redis: p.redis,
        producer: p.producer,
        prefix: p.prefix,
        limits: { maxBytes: 1_000_000, maxLineBytes: 1024, connectTimeoutMs: 1000 },
      },
    );
    await expect(csvRun).rejects.toThrow('line longer than 1024 bytes');
    // As a job (the worker's bound is 1 MiB): failed for good after one attempt, not retried.
    const huge = file('huge.ndjson', `${JSON.stringify(lead(3, 'y'.repeat(1_100_000)))}\n`);
    const failedId = await submitRun(queue, { kind: 'leads', source: huge, set: 'huge' });
    await expect(finished(failedId)).rejects.toThrow('huge.ndjson:1: line longer than 1048576 bytes');
    expect((await queue.getJob(failedId))!.attemptsMade).toBe(1);
    const id = await submitRun(queue, { kind: 'leads', source: `${path}.missing`, set: 'long' });
    const job = await queue.getJob(id);
    // A missing file is retried (it may be written later); the attempt fails naming it.
    for (let i = 0; i < 100 && (await job!.getState()) !== 'delayed'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await queue.getJob(id))!.failedReason).toContain('no such file');
  });

  it('cancels an active run', async () => {
    await setup();
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      let n = 0;
      const timer = setInterval(() => res.write(`${JSON.stringify(lead(n++))}\n`), 20);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const id = await submitRun(queue, {
      kind: 'leads',
      source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/endless.ndjson`,
      set: 'endless',
    });
    while ((await (await queue.getJob(id))!.getState()) !== 'active')
      await new Promise((r) => setTimeout(r, 50));
    const out = await runCli(['reconcile', 'cancel', id], env());
    expect(JSON.parse(out.stdout)).toEqual({ run: id, result: 'cancelling' });
    await expect(finished(id)).rejects.toThrow(/cancelled/);
  });
});

describe('a worker killed mid-run', () => {
  it('is replaced by another worker that resumes the run from its checkpoint and accounts for every row', async () => {
    p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0' });
    queue = reconcileQueue(p.redis, p.prefix);
    cleanups.push(() => queue.close());
    const ROWS = 300;
    // A slow export: 15 rows every 100 ms, so the kill lands mid-read.
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      let n = 0;
      const timer = setInterval(() => {
        const rows = [];
        for (let i = 0; i < 15 && n < ROWS; i++) rows.push(JSON.stringify(lead(n++)));
        res.write(rows.join('\n') + '\n');
        if (n >= ROWS) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
    const workerEnv = {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      MARKETO_SOAP_ENDPOINT: p.f.emulator.endpoint,
      MARKETO_USER_ID: p.f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: p.f.credentials.encryptionKey,
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_LINGER_MS: '100',
      MKTSYNC_QUIET_MS: '0',
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '3000',
      MKTSYNC_LEASE_MS: '4000',
      MKTSYNC_RECONCILE_LOCK_MS: '2000',
    };
    const ready = (l: Record<string, unknown>) => l.msg === 'worker ready';
    const first = await startCli(['worker'], ready, workerEnv);
    cleanups.push(() => first.stop());
    const id = await submitRun(queue, {
      kind: 'leads',
      source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.ndjson`,
      set: 'slow',
    });
    for (;;) {
      const progress = (await queue.getJob(id))?.progress as { read?: number } | undefined;
      if ((progress?.read ?? 0) >= 60) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    const second = await startCli(['worker'], ready, workerEnv);
    cleanups.push(() => second.stop());
    const summary = await finished(id, 45_000);
    expect(summary.resumed).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ read: ROWS, new: ROWS, refused: 0, enqueued: ROWS, confirmed: ROWS });
    expect(summary).toMatchObject({ failed: 0, unconfirmed: 0, tracked: ROWS });
    expect(p.f.emulator.leads.size).toBe(ROWS);
  });
});
