import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EmulatedCompany } from '../../src/emulator/mobject-store.js';
import { reconcileQueue, submitRun } from '../../src/reconcile/reconcile-queue.js';
import { startReconcileWorker } from '../../src/reconcile/reconcile-worker.js';
import type { RunData, RunRequest, RunSummary } from '../../src/reconcile/run-types.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

/**
 * Reconciliation of companies and custom objects over REST (issue 16): the fingerprint diff is per
 * record key, so a second run over an export with a few rows changed sends only those.
 */

const dir = mkdtempSync(join(tmpdir(), 'mktsync-reconcile-objects-'));
const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

let p: PipelineFixture | undefined;
let queue: Queue<RunData, RunSummary, string>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await p?.close();
  p = undefined;
});

async function setup(): Promise<PipelineFixture> {
  p = await startPipeline({}, { MKTSYNC_QUIET_MS: '0' }, 'rest');
  await p.startWorker();
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = reconcileQueue(p.redis, p.prefix);
  const processor = await startReconcileWorker({
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
  return p;
}

async function run(request: RunRequest, timeoutMs = 60_000): Promise<RunSummary> {
  const id = await submitRun(queue, request);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    const state = await job?.getState();
    if (state === 'completed') return job!.returnvalue;
    if (state === 'failed') throw new Error(`run ${id} failed: ${job!.failedReason}`);
    if (Date.now() > deadline) throw new Error(`run ${id} still ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const company = (i: number, industry = 'Tools') => ({
  type: 'Company',
  operation: 'UPSERT',
  externalKey: { name: 'externalCompanyId', value: `RC-${i}` },
  attributes: { company: `Company ${i}`, industry },
});

describe('reconcile over REST: companies and custom objects', () => {
  it('companies: the second run sends only the changed and new companies', async () => {
    const f = await setup();
    const path = join(dir, 'companies.ndjson');
    const first = Array.from({ length: 30 }, (_, i) => company(i));
    writeFileSync(path, ndjson(first));
    const one = await run({ kind: 'mobjects', source: path, set: 'companies' });
    expect(one).toMatchObject({ read: 30, new: 30, refused: 0, enqueued: 30, confirmed: 30, failed: 0 });
    expect(f.f.emulator.mobjects.list('Company')!.length).toBe(3 + 30);

    const second = first.map((c, i) => (i % 10 === 4 ? company(i, 'Food') : c));
    second.push(company(99));
    writeFileSync(path, ndjson(second));
    const since = f.f.emulator.calls.total;
    const two = await run({ kind: 'mobjects', source: path, set: 'companies' });
    expect(two).toMatchObject({ read: 31, unchanged: 27, changed: 3, new: 1, enqueued: 4, confirmed: 4 });
    const sent = f.f.emulator.calls
      .since(since)
      .filter((c) => c.operation === 'syncCompanies')
      .flatMap((c) => c.records as { externalCompanyId: string }[])
      .map((r) => r.externalCompanyId)
      .sort();
    expect(sent).toEqual(['RC-14', 'RC-24', 'RC-4', 'RC-99']);
    const byKey = new Map(
      (f.f.emulator.mobjects.list('Company') as EmulatedCompany[]).map((c) => [c.externalKey?.value, c]),
    );
    expect(byKey.get('RC-14')?.attributes?.industry).toBe('Food');
  });

  it('custom objects: the second run sends only the changed and new records; INSERT rows are refused', async () => {
    const f = await setup();
    const path = join(dir, 'devices.ndjson');
    const row = (i: number, firmware = '1.0') => ({
      apiName: 'device_c',
      operation: 'UPSERT',
      keys: { serialNumber: `RD-${i}` },
      attributes: { model: `Model ${i}`, firmware },
    });
    const first: object[] = Array.from({ length: 25 }, (_, i) => row(i));
    first.push({ apiName: 'device_c', operation: 'INSERT', keys: { serialNumber: 'RD-NEW' } });
    writeFileSync(path, ndjson(first));
    const one = await run({ kind: 'mobjects', source: path, set: 'devices' });
    expect(one).toMatchObject({ read: 26, new: 25, refused: 1, enqueued: 25, confirmed: 25, failed: 0 });
    expect(one.refusedRows).toEqual([
      { line: 26, field: 'operation', reason: expect.stringContaining('UPSERT') },
    ]);
    expect(f.f.emulator.customObjects.list('device_c')).toHaveLength(25);

    const second = Array.from({ length: 25 }, (_, i) => (i % 8 === 3 ? row(i, '2.0') : row(i)));
    second.push(row(50));
    writeFileSync(path, ndjson(second));
    const since = f.f.emulator.calls.total;
    const two = await run({ kind: 'mobjects', source: path, set: 'devices' });
    expect(two).toMatchObject({ read: 26, unchanged: 22, changed: 3, new: 1, enqueued: 4, confirmed: 4 });
    const sent = f.f.emulator.calls
      .since(since)
      .filter((c) => c.operation === 'syncCustomObjects')
      .flatMap((c) => c.records as { serialNumber: string }[])
      .map((r) => r.serialNumber)
      .sort();
    expect(sent).toEqual(['RD-11', 'RD-19', 'RD-3', 'RD-50']);
    const rd11 = f.f.emulator.customObjects.list('device_c').find((d) => d.fields.serialNumber === 'RD-11');
    expect(rd11?.fields.firmware).toBe('2.0');
  });
});
