import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Outcome } from '../../src/buffer/types.js';
import type { EmulatedLead } from '../../src/emulator/lead-store.js';
import type { EmulatedObject } from '../../src/emulator/mobject-store.js';
import { runCli } from '../helpers/cli.js';
import {
  startPipeline,
  syncCalls,
  TRANSPORTS,
  type PipelineFixture,
  type TransportKind,
} from '../helpers/pipeline.js';
import type { FaultsConfig } from '../../src/emulator/config.js';

let p: PipelineFixture;
afterEach(async () => {
  await p?.close();
});

/** The emulator's state, read over HTTP as an operator would. */
async function state<T>(path: string): Promise<T> {
  const response = await fetch(`${p.f.emulator.url}/_emulator/${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** Enqueues `n` leads with dedupEnabled false (every application creates a lead) and returns their keys. */
async function enqueueCreates(n: number): Promise<string[]> {
  const { accepted, rejected } = await p.producer.enqueueLeads(
    Array.from({ length: n }, (_, i) => ({
      Email: `create${i}@example.com`,
      attributes: { FirstName: `C${i}` },
      dedupEnabled: false,
    })),
  );
  expect(rejected).toEqual([]);
  return accepted.map((a) => a.key);
}

/** The fault to arm once the worker runs; what kind of record its warm-up call sends first. */
interface Arming {
  failNext: NonNullable<FaultsConfig['failNext']>;
  lateAnswerMs?: number;
  warmUp: 'lead' | 'opportunity' | 'none';
}

/**
 * Starts a worker over `transport` that has already made one call of the kind the test sends (so that
 * REST's Describe request, a read, is behind it and the armed fault meets the write under test), then
 * arms the fault. Returns the call-log position after the warm-up.
 */
async function prepare(
  transport: TransportKind,
  arming: Arming,
  env: Record<string, string> = {},
): Promise<number> {
  const late = arming.lateAnswerMs;
  p = await startPipeline(late === undefined ? {} : { faults: { lateAnswerMs: late } }, env, transport);
  await p.startWorker();
  if (arming.warmUp === 'lead')
    await p.producer.enqueueLeads({ Email: 'warm-up@example.net', attributes: { FirstName: 'W' } });
  if (arming.warmUp === 'opportunity')
    await p.producer.enqueueMObjects({
      type: 'Opportunity',
      operation: 'UPSERT',
      externalKey: { name: 'crmOpportunityId', value: 'warm-up' },
      attributes: { Name: 'Warm-up' },
    });
  await p.drained();
  const since = p.f.emulator.calls.total;
  p.f.emulator.configure({ faults: { failNext: arming.failNext } });
  return since;
}

/** The leads of the test (the warm-up lead apart). */
async function testLeads(): Promise<EmulatedLead[]> {
  return (await state<EmulatedLead[]>('leads')).filter(
    (l) => (l.Email ?? l.attributes.Email) !== 'warm-up@example.net',
  );
}

async function outcomes(keys: readonly string[]): Promise<Outcome[]> {
  return Promise.all(
    keys.map(async (key) => {
      const outcome = await p.producer.getOutcome(key);
      expect(outcome, key).not.toBeNull();
      return outcome!;
    }),
  );
}

describe.each(TRANSPORTS)(
  'a create whose answer is lost after Marketo applied it is never resent, over %s',
  (transport) => {
    it.each([
      ['one lost answer (apply, then reset)', { calls: 1, effect: 'apply-then-reset' }, {}],
      ['three lost answers (apply, then reset)', { calls: 3, effect: 'apply-then-reset' }, {}],
      [
        'an answer that never arrives (apply, then hang; client timeout)',
        { calls: 1, effect: 'apply-then-hang' },
        {},
      ],
      [
        'answers later than the response timeout (apply, then answer late)',
        { calls: 3, effect: 'apply-then-late' },
        { lateAnswerMs: 3_000 },
      ],
    ] as const)(
      '%s: 20 leads, not 40 or 80, every outcome INDETERMINATE and dead-lettered',
      async (_, failNext, extra) => {
        const since = await prepare(
          transport,
          { failNext: { ...failNext }, warmUp: 'lead', ...extra },
          { MKTSYNC_RESPONSE_TIMEOUT_MS: '1000', MKTSYNC_LEASE_MS: '5000' },
        );
        const keys = await enqueueCreates(20);
        await p.drained();
        const leads = await testLeads();
        const calls = syncCalls(p, since);
        // The measured figure, for the report: leads in the emulator after the run.
        console.info(
          `lost answers over ${transport} ${failNext.effect} x${failNext.calls}: ${leads.length} leads, ${calls.length} calls`,
        );
        expect(leads).toHaveLength(20);
        expect(calls.map((c) => c.status)).toEqual([
          `applied-${failNext.effect.slice('apply-then-'.length)}`,
        ]);
        expect(new Set(leads.map((l) => l.Email ?? l.attributes.Email)).size).toBe(20);
        for (const outcome of await outcomes(keys)) {
          expect(outcome).toMatchObject({ status: 'INDETERMINATE', id: null, attempt: 1 });
          expect(outcome.error).toMatch(/may have been applied/);
        }
        const dead = await p.producer.buffer.deadLetters();
        expect(dead).toHaveLength(20);
        expect(dead[0]!.reason).toMatch(/^INDETERMINATE: /);
      },
    );

    it('a failure known to come before Marketo received the call (HTTP 503 from a proxy) is resent: 20 leads, CREATED', async () => {
      const since = await prepare(transport, { failNext: { calls: 1, effect: 503 }, warmUp: 'lead' });
      const keys = await enqueueCreates(20);
      await p.drained();
      expect(await testLeads()).toHaveLength(20);
      for (const outcome of await outcomes(keys)) expect(outcome.status).toBe('CREATED');
      expect(syncCalls(p, since).map((c) => c.status)).toEqual(['http-503', 'ok']);
    });

    it('an update or upsert (dedupEnabled true) with a lost answer is resent: at-least-once, no duplicate', async () => {
      const since = await prepare(transport, {
        failNext: { calls: 1, effect: 'apply-then-reset' },
        warmUp: 'lead',
      });
      const { accepted } = await p.producer.enqueueLeads(
        Array.from({ length: 20 }, (_, i) => ({
          Email: `same${i}@example.com`,
          attributes: { City: `c${i}` },
        })),
      );
      await p.drained();
      expect(await testLeads()).toHaveLength(20);
      for (const outcome of await outcomes(accepted.map((a) => a.key)))
        expect(outcome.status).toBe('UPDATED');
      expect(syncCalls(p, since).map((c) => c.status)).toEqual(['applied-reset', 'ok']);
    });
  },
);

describe.each(TRANSPORTS)(
  'an Opportunity INSERT by externalKey whose answer is lost, over %s',
  (transport) => {
    it('is resent safely (SKIPPED by Marketo) and its outcome says it was probably created by the lost attempt', async () => {
      const since = await prepare(transport, {
        failNext: { calls: 1, effect: 'apply-then-reset' },
        warmUp: 'opportunity',
      });
      const { accepted, rejected } = await p.producer.enqueueMObjects(
        Array.from({ length: 20 }, (_, i) => ({
          type: 'Opportunity' as const,
          operation: 'INSERT' as const,
          externalKey: { name: 'crmOpportunityId', value: `opp-${i}` },
          attributes: { Name: `Deal ${i}` },
        })),
      );
      expect(rejected).toEqual([]);
      await p.drained();
      const opportunities = (await state<EmulatedObject[]>('mobjects?type=Opportunity')).filter(
        (o) => o.externalKey!.value !== 'warm-up',
      );
      expect(opportunities).toHaveLength(20);
      // SOAP answers the object's integer id; REST its marketoGUID.
      const ids = new Map(
        opportunities.map((o) => [o.externalKey!.value, transport === 'soap' ? o.id : o.marketoGUID]),
      );
      expect(syncCalls(p, since).map((c) => c.status)).toEqual(['applied-reset', 'ok']);
      const settled = await outcomes(accepted.map((a) => a.key));
      console.info(
        `opportunity INSERT lost answer: ${opportunities.length} objects, statuses ${[...new Set(settled.map((o) => o.status))].join(',')}`,
      );
      settled.forEach((outcome, i) => {
        expect(outcome.status).toBe('PROBABLY_CREATED');
        // SOAP's SKIPPED answer carries the object's id; REST's carries none, so the worker looked it
        // up by its key (Get Opportunities by externalOpportunityId).
        expect(outcome.id).toBe(ids.get(`opp-${i}`));
        expect(outcome.attempt).toBe(2);
        expect(outcome.note).toMatch(/1 earlier attempt ended indeterminate; Marketo answered SKIPPED/);
      });
    });
  },
);

describe.each(TRANSPORTS)('an operator redrives INDETERMINATE creates, over %s', (transport) => {
  it('after checking that Marketo did not apply them (a reset before applying), a redrive sends them once', async () => {
    await prepare(transport, { failNext: { calls: 1, effect: 'reset' }, warmUp: 'lead' });
    const keys = await enqueueCreates(20);
    await p.drained();
    for (const outcome of await outcomes(keys)) expect(outcome.status).toBe('INDETERMINATE');
    // The operator finds them with the command line, with the record as sent and the reason.
    const env = { REDIS_URL: inject('redisUrl'), MKTSYNC_PREFIX: p.prefix };
    const listed = await runCli(['outcomes', '--status', 'INDETERMINATE'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(20);
    const dlq = await runCli(['dlq', 'list'], env);
    const letters = dlq.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string });
    expect(letters).toHaveLength(20);
    expect(letters[0]!.reason).toMatch(/^INDETERMINATE: the call may have been applied/);
    // The operator looks at Marketo: nothing was created, so resending is safe.
    expect(await testLeads()).toHaveLength(0);
    expect((await runCli(['dlq', 'redrive', '--all'], env)).code).toBe(0);
    await p.drained();
    expect(await testLeads()).toHaveLength(20);
    for (const outcome of await outcomes(keys))
      expect(outcome).toMatchObject({ status: 'CREATED', attempt: 1 });
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});

describe.each(TRANSPORTS)('a Program update adding a cost whose answer is lost, over %s', (transport) => {
  it('is not resent (a second application appends the cost again): one cost, outcome INDETERMINATE', async () => {
    await prepare(transport, { failNext: { calls: 1, effect: 'apply-then-reset' }, warmUp: 'none' });
    const { accepted } = await p.producer.enqueueMObjects({
      type: 'Program',
      operation: 'UPDATE',
      id: 1001,
      typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: 250 } }],
    });
    await p.drained();
    const programs = await state<{ id: number; costs: { amount: number }[] }[]>('mobjects?type=Program');
    expect(programs.find((x) => x.id === 1001)!.costs.map((c) => c.amount)).toEqual([250]);
    expect((await p.producer.getOutcome(accepted[0]!.key))?.status).toBe('INDETERMINATE');
  });
});
