import { afterEach, describe, expect, inject, it } from 'vitest';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { startCli } from '../helpers/cli.js';
import { startPipeline, TRANSPORTS, transportEnv, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await p?.close();
});

async function calls(): Promise<CallLogEntry[]> {
  return (await fetch(`${p.f.emulator.url}/_emulator/calls`)).json() as Promise<CallLogEntry[]>;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(TRANSPORTS)('the shutdown deadline is a hard line, over %s', (transport) => {
  it('a worker stopped mid-run with calls slower than its deadline starts no call after SIGTERM, and nothing is created twice', async () => {
    p = await startPipeline(
      {
        limits: { rateCalls: 100, concurrency: 10, dailyQuota: null },
        faults: { latency: { fixedMs: 3_000 } },
      },
      {},
      transport,
    );
    const { accepted } = await p.producer.enqueueLeads(
      Array.from({ length: 2_400 }, (_, i) => ({
        Email: `stop${i}@example.com`,
        attributes: { FirstName: `S${i}` },
        dedupEnabled: false,
      })),
    );
    expect(accepted).toHaveLength(2_400);
    const worker = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      ...transportEnv(p.f, transport),
      MKTSYNC_LINGER_MS: '200',
      MKTSYNC_RATE_LIMIT: '80',
      MKTSYNC_MAX_CONCURRENT: '8',
      MKTSYNC_BACKOFF_BASE_MS: '20',
      MKTSYNC_BACKOFF_MAX_MS: '300',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '10000',
      MKTSYNC_LEASE_MS: '15000',
      MKTSYNC_SHUTDOWN_TIMEOUT_MS: '1000',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'info',
    });
    stops.push(worker.stop);
    await until(
      '8 calls in flight',
      async () => (await calls()).filter((c) => c.status === 'pending').length >= 8,
    );
    const sigtermAt = Date.now();
    const exitCode = await worker.stop();
    const exitedAfterMs = Date.now() - sigtermAt;
    // The abandoned calls were applied by the emulator all the same once their latency passed.
    await until('the emulator to finish every call', async () =>
      (await calls()).every((c) => c.status !== 'pending'),
    );
    // Token requests (REST) are no calls of the API.
    const afterSigterm = (await calls()).filter(
      (c) => c.startedAt >= sigtermAt && c.operation !== 'identity',
    );

    await p.startWorker();
    await p.drained(60_000);
    await until('the emulator to finish every call', async () =>
      (await calls()).every((c) => c.status !== 'pending'),
    );
    const leads = (await (await fetch(`${p.f.emulator.url}/_emulator/leads`)).json()) as EmulatedLead[];
    console.info(
      `shutdown deadline over ${transport}: exit ${exitCode} after ${exitedAfterMs} ms; ${afterSigterm.length} calls started after SIGTERM; ${accepted.length} creates → ${leads.length} leads`,
    );
    expect(afterSigterm).toEqual([]);
    expect(leads).toHaveLength(2_400);
    expect(new Set(leads.map((l) => l.Email ?? l.attributes.Email)).size).toBe(2_400);
    expect(exitCode).toBe(0);
    // Every record has an outcome that says what is known: a call abandoned at the deadline may have
    // been applied (INDETERMINATE, dead-lettered, never resent); one answered before it is CREATED. On
    // a loaded machine the first of the 8 calls may be answered before the deadline, so which calls
    // end which way depends on timing; that every record of a call ends the same way, and that the
    // deadline abandoned some call, does not.
    const outcomes = await Promise.all(accepted.map((a) => p.producer.getOutcome(a.key)));
    const statuses = new Map<string, number>();
    for (const o of outcomes) statuses.set(o?.status ?? 'none', (statuses.get(o?.status ?? 'none') ?? 0) + 1);
    const indeterminate = statuses.get('INDETERMINATE') ?? 0;
    expect([...statuses.keys()].filter((s) => s !== 'INDETERMINATE' && s !== 'CREATED')).toEqual([]);
    expect(indeterminate).toBeGreaterThanOrEqual(300);
    expect(indeterminate % 300).toBe(0);
    expect((await p.producer.buffer.stats()).deadLetters).toBe(indeterminate);
  });
});

describe('the shutdown deadline and record-fault splitting', () => {
  it('a batch being split around a bad record when the worker stops starts no further split call; the rest is handed back', async () => {
    // A whole-call fault that names no field, so the batch is isolated by splitting (a fault naming a
    // field would fail its records in one step instead).
    p = await startPipeline({
      faults: {
        latency: { fixedMs: 300 },
        recordRules: [{ match: { email: 'split137@example.com' }, effect: 'fault' }],
      },
    });
    const { accepted } = await p.producer.enqueueLeads(
      Array.from({ length: 300 }, (_, i) => ({
        Email: `split${i}@example.com`,
        attributes: { City: `c${i}` },
      })),
    );
    expect(accepted).toHaveLength(300);
    const worker = await p.startWorker();
    // Stop once the whole-call fault came back and the first half is in flight.
    await until('the first split call', async () => (await calls()).length >= 2);
    const stoppedAt = Date.now();
    await worker.stop();
    const afterStop = (await calls()).filter((c) => c.startedAt >= stoppedAt);
    console.info(`split at SIGTERM: ${afterStop.length} calls started after stop()`);
    expect(afterStop).toEqual([]);
    // What was not sent went back untouched: no attempt burnt, nothing dead-lettered but the bad record's verdict.
    const stats = await p.producer.buffer.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.waitingTotal).toBeGreaterThan(0);
    await p.startWorker();
    await p.drained();
    expect(p.f.emulator.leads.size).toBe(299);
    const dead = await p.producer.buffer.deadLetters();
    expect(dead.map((d) => d.key)).toEqual(['L:em:split137%40example.com']);
  });
});
