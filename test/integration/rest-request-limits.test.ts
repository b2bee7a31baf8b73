import { afterEach, describe, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/buffer/buffer.js';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import { silentLogger } from '../../src/log.js';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics.js';
import { MarketoCallError } from '../../src/transport/contract.js';
import { buildTransport } from '../../src/worker/transport-factory.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

/** Codes Marketo does not count against its rate limit (Adobe's starred codes). */
const NOT_COUNTED = new Set([601, 602, 604, 605, 608, 611]);

/** The REST requests Marketo counts: every API request but Identity's and the ones it does not count. */
function counted(log: readonly CallLogEntry[]): number[] {
  return log
    .filter((c) => c.transport === 'rest' && c.operation !== 'identity')
    .filter((c) => c.faultCode === undefined || c.faultCode === null || !NOT_COUNTED.has(c.faultCode))
    .map((c) => c.startedAt);
}

describe('REST: every request Marketo counts takes a token of the shared rate limit', () => {
  it('a batch cut into several bodies under 1 MB spends one token per request, proven from the call log', async () => {
    // A window longer than the test keeps every token the workers took in the limiter, so the tokens can
    // be counted against the requests Marketo counts: no clock comparison, which a loaded machine skews.
    const windowMs = 600_000;
    p = await startPipeline(
      {},
      { MKTSYNC_RATE_LIMIT: '1000', MKTSYNC_RATE_WINDOW_MS: String(windowMs) },
      'rest',
    );
    // 900 leads of about 9 KB: a call of 300 is about 2.7 MB, so each call needs three requests.
    const address = 'A'.repeat(9_000);
    const leads = Array.from({ length: 900 }, (_, i) => ({
      Email: `big${i}@example.com`,
      attributes: { Address: `${i} ${address}` },
    }));
    const { accepted, rejected } = await p.producer.enqueueLeads(leads);
    expect(rejected).toEqual([]);
    await p.startWorker();
    await p.drained(60_000);
    for (const ref of accepted.slice(0, 5))
      expect((await p.producer.waitForOutcome(ref, { timeoutMs: 5_000 })).status).toBe('CREATED');
    expect(p.f.emulator.leads.size).toBe(900);

    const log = p.f.emulator.calls.since(0);
    const syncs = log.filter((c) => c.operation === 'syncLeads' && c.status === 'ok');
    expect(syncs.reduce((n, c) => n + c.recordCount, 0)).toBe(900);
    // Several requests per call of 300: no request carried a whole call.
    expect(syncs.length).toBeGreaterThanOrEqual(9);
    expect(Math.max(...syncs.map((c) => c.recordCount))).toBeLessThan(300);

    // One token of the shared limiter for every request Marketo counts (the Describe included).
    const tokens = await new RedisBuffer(p.redis, p.prefix).view.callsInWindow(windowMs);
    expect(tokens).toBe(counted(log).length);
  }, 90_000);

  it('a worker stopping while its Describe waits for a rate token sends neither the Describe nor the call', async () => {
    p = await startPipeline({}, { MKTSYNC_RATE_LIMIT: '1', MKTSYNC_RATE_WINDOW_MS: '60000' }, 'rest');
    const buffer = new RedisBuffer(p.redis, p.prefix);
    // The window is full: the Describe must wait for a token.
    expect(await buffer.takeToken({ rateMax: 1, rateWindowMs: 60_000 }, 'earlier-call')).toBe(0);
    const stopping = new AbortController();
    const { transport } = buildTransport(
      p.settings,
      buffer,
      createWorkerMetrics(buffer, p.settings.dailyQuota, { transport: 'rest' }),
      silentLogger,
      stopping.signal,
    );
    const sent = transport.send({
      group: { kind: 'lead', key: 'Email', dedupEnabled: true },
      records: [{ Email: 'waiting@example.com', attributes: { FirstName: 'W' } }],
    });
    setTimeout(() => stopping.abort(), 300);
    const error = await sent.then(
      () => undefined,
      (e: unknown) => e,
    );
    transport.close();
    expect(error).toBeInstanceOf(MarketoCallError);
    expect((error as MarketoCallError).applied).toBe('not-sent');
    const api = p.f.emulator.calls.since(0).filter((c) => c.operation !== 'identity');
    expect(api).toEqual([]);
  }, 30_000);
});
