import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import { startCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';

let p: PipelineFixture;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await p?.close();
});

describe('a worker killed (SIGKILL) while its call is in flight', () => {
  it('creates are not sent again by the worker that recovers its batches; upserts are', async () => {
    p = await startPipeline({ faults: { latency: { fixedMs: 600 } } });
    const creates = await p.producer.enqueueLeads(
      Array.from({ length: 50 }, (_, i) => ({
        Email: `kc${i}@example.com`,
        attributes: {},
        dedupEnabled: false,
      })),
    );
    const updates = await p.producer.enqueueLeads(
      Array.from({ length: 50 }, (_, i) => ({ Email: `ku${i}@example.com`, attributes: { City: 'x' } })),
    );
    const doomed = await startCli(['worker'], (l) => l.msg === 'worker ready', {
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      MARKETO_SOAP_ENDPOINT: p.f.emulator.endpoint,
      MARKETO_USER_ID: p.f.credentials.userId,
      MARKETO_ENCRYPTION_KEY: p.f.credentials.encryptionKey,
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '1000',
      MKTSYNC_LEASE_MS: '1500',
      MKTSYNC_HTTP_PORT: '0',
      MKTSYNC_HTTP_HOST: '127.0.0.1',
      MKTSYNC_LOG_LEVEL: 'info',
    });
    stops.push(doomed.stop);
    const pending = () =>
      p.f.emulator.calls.since().filter((c) => c.status === 'pending' && c.recordCount > 0);
    for (let i = 0; i < 200 && pending().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(
      pending()
        .map((c) => c.dedupEnabled)
        .sort(),
    ).toEqual([false, true]);
    doomed.child.kill('SIGKILL');
    await p.startWorker();
    await p.drained(30_000);
    for (let i = 0; i < 200 && p.f.emulator.calls.since().some((c) => c.status === 'pending'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const leads = (await (await fetch(`${p.f.emulator.url}/_emulator/leads`)).json()) as EmulatedLead[];
    console.info(`SIGKILL mid-call: 50 creates + 50 upserts → ${leads.length} leads`);
    expect(leads.filter((l) => l.Email!.startsWith('kc'))).toHaveLength(50);
    expect(leads).toHaveLength(100);
    for (const a of creates.accepted)
      expect(await p.producer.getOutcome(a.key)).toMatchObject({
        status: 'INDETERMINATE',
        error: expect.stringMatching(/ended without an answer/),
      });
    // The upserts were sent again (at-least-once); the outcome says an earlier attempt was unanswered.
    for (const a of updates.accepted)
      expect(await p.producer.getOutcome(a.key)).toMatchObject({
        status: 'UPDATED',
        attempt: 2,
        note: expect.stringMatching(/^1 earlier attempt ended indeterminate/),
      });
    expect((await p.producer.buffer.stats()).counters.recovered_batches).toBe(2);
  });
});
