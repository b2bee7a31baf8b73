import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readWorkerSettings } from '../../src/config.js';
import type { Outcome } from '../../src/buffer/types.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { leadsAnswer, startHostileMarketo, type HostileMarketo } from '../helpers/hostile-marketo.js';
import { freshPrefix } from '../helpers/pipeline.js';
import { startFakeMarketo, type FakeMarketo, type FakeRequest } from './rest-fake-marketo.js';

/**
 * Issue 19 point 3: a record status Marketo does not document ("maybe", none at all, "Created") leaves
 * the record indeterminate. Every resend it causes is bounded by MKTSYNC_MAX_ATTEMPTS: a real worker
 * over REST, against a stand-in answering such statuses, ends every record with an outcome after at
 * most that many sends of it.
 */

const MAX_ATTEMPTS = 2;
/** The three undocumented answers, by the record's position in the call. */
const ODD_STATUSES = [{ status: 'maybe' }, {}, { status: 'Created' }] as const;

let fake: FakeMarketo | undefined;
let hostile: HostileMarketo | undefined;
let worker: Worker | undefined;
let producer: Producer | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  await worker?.stop();
  await producer?.close();
  redis?.disconnect();
  await fake?.close();
  await hostile?.close();
  worker = producer = redis = fake = hostile = undefined;
});

const ok = (result: unknown[]) => ({ json: { requestId: 'odd#1', success: true, result } });

/** Answers every record of a write with an undocumented status (ids kept, so only the status is odd). */
function oddAnswers(req: FakeRequest) {
  const input = (JSON.parse(req.body) as { input: unknown[] }).input;
  return ok(input.map((_, i) => ({ id: 1000 + i, seq: i, ...ODD_STATUSES[i % ODD_STATUSES.length] })));
}

/** A real worker (MKTSYNC_MAX_ATTEMPTS=2, short backoff) against the stand-in `wire` names. */
async function startAgainst(wire: Record<string, string>): Promise<{ producer: Producer; worker: Worker }> {
  const prefix = freshPrefix();
  redis = new Redis(inject('redisUrl'));
  producer = await createProducer({ url: inject('redisUrl'), prefix });
  worker = await startWorker(
    readWorkerSettings({
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: prefix,
      ...wire,
      MKTSYNC_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      MKTSYNC_LINGER_MS: '50',
      MKTSYNC_QUIET_MS: '0',
      MKTSYNC_BACKOFF_BASE_MS: '10',
      // Abandoned requests go again at once here (the bound is abandoned-request.test.ts's subject).
      MKTSYNC_ABANDONED_APPLY_MS: '0',
      MKTSYNC_BACKOFF_MAX_MS: '50',
      MKTSYNC_RATE_LIMIT: '0',
      MKTSYNC_RESPONSE_TIMEOUT_MS: '5000',
      MKTSYNC_LEASE_MS: '10000',
    }),
    { http: false, loops: 2 },
  );
  return { producer, worker };
}

async function start(): Promise<{ fake: FakeMarketo; producer: Producer; worker: Worker }> {
  fake = await startFakeMarketo();
  fake.handlers.set('/rest/v1/leads.json', oddAnswers);
  fake.handlers.set('/rest/v1/opportunities.json', oddAnswers);
  const started = await startAgainst({
    MARKETO_TRANSPORT: 'rest',
    MARKETO_REST_ENDPOINT: fake.url,
    MARKETO_CLIENT_ID: fake.clientId,
    MARKETO_CLIENT_SECRET: fake.clientSecret,
  });
  return { fake, ...started };
}

/**
 * Waits until every key has an outcome, or until the stand-in has answered far more writes than the
 * bound allows (an unbounded resend loop), whichever comes first: the wait ends on a state, not a time.
 */
async function outcomesOf(keys: readonly string[], writes: () => number, runaway: number) {
  for (;;) {
    const outcomes = await Promise.all(keys.map((k) => producer!.buffer.getOutcome(k)));
    if (outcomes.every((o) => o !== null)) return outcomes as Outcome[];
    if (writes() > runaway) return outcomes;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Records carried by the stand-in's write requests on `path`, by how many times each was sent. */
function sends(f: FakeMarketo, path: string): { calls: number; records: number } {
  const writes = f.apiRequests().filter((r) => r.path === path);
  const records = writes.reduce((n, r) => n + (JSON.parse(r.body) as { input: unknown[] }).input.length, 0);
  return { calls: writes.length, records };
}

describe('an undocumented record status over REST, MKTSYNC_MAX_ATTEMPTS=2', () => {
  it('idempotent leads are resent at most MKTSYNC_MAX_ATTEMPTS times each, then dead-lettered FAILED', async () => {
    const { fake, producer } = await start();
    const leads = Array.from({ length: 9 }, (_, i) => ({
      Email: `odd-${i}@example.com`,
      attributes: { FirstName: 'O' },
    }));
    const { accepted } = await producer.enqueueLeads(leads);
    expect(accepted).toHaveLength(9);
    const keys = accepted.map((a) => a.key);
    const bound = keys.length * MAX_ATTEMPTS;
    const outcomes = await outcomesOf(keys, () => sends(fake, '/rest/v1/leads.json').calls, 10 * bound);
    const sent = sends(fake, '/rest/v1/leads.json');
    process.stdout.write(`Sync Leads: ${sent.calls} calls carrying ${sent.records} records\n`);
    // Each record is sent at most MAX_ATTEMPTS times, so the calls are bounded too.
    expect(sent.records).toBeLessThanOrEqual(bound);
    expect(sent.calls).toBeLessThanOrEqual(bound);
    expect(outcomes.map((o) => o?.status)).toEqual(keys.map(() => 'FAILED'));
    expect(outcomes.every((o) => o!.attempt === MAX_ATTEMPTS)).toBe(true);
    expect(String(outcomes[0]!.error)).toMatch(/gave up after 2 attempts.*unexpected record status/);
    const dead = await producer.buffer.deadLetters();
    expect(dead.map((d) => d.key).sort()).toEqual([...keys].sort());
    expect(dead.every((d) => d.attempts === MAX_ATTEMPTS)).toBe(true);
  });

  it('creates are never resent: INDETERMINATE after one call; checked creates are bounded like updates', async () => {
    const { fake, producer } = await start();
    const creates = await producer.enqueueLeads(
      Array.from({ length: 3 }, (_, i) => ({
        Email: `new-${i}@example.com`,
        dedupEnabled: false,
        attributes: {},
      })),
    );
    const checked = await producer.enqueueMObjects(
      Array.from({ length: 3 }, (_, i) => ({
        type: 'Opportunity' as const,
        operation: 'INSERT' as const,
        externalKey: { name: 'crmId', value: `O-${i}` },
        attributes: { Name: `Deal ${i}` },
      })),
    );
    const createKeys = creates.accepted.map((a) => a.key);
    const checkedKeys = checked.accepted.map((a) => a.key);
    expect(createKeys).toHaveLength(3);
    expect(checkedKeys).toHaveLength(3);
    const total = () =>
      sends(fake, '/rest/v1/leads.json').calls + sends(fake, '/rest/v1/opportunities.json').calls;
    const outcomes = await outcomesOf([...createKeys, ...checkedKeys], total, 60);
    const leadSends = sends(fake, '/rest/v1/leads.json');
    const objectSends = sends(fake, '/rest/v1/opportunities.json');
    process.stdout.write(
      `Sync Leads (creates): ${leadSends.records} records sent; Sync Opportunities (checked creates): ${objectSends.records}\n`,
    );
    expect(leadSends.records).toBe(3);
    expect(objectSends.records).toBeLessThanOrEqual(3 * MAX_ATTEMPTS);
    expect(outcomes.slice(0, 3).map((o) => o?.status)).toEqual([
      'INDETERMINATE',
      'INDETERMINATE',
      'INDETERMINATE',
    ]);
    expect(outcomes.slice(3).map((o) => o?.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(String(outcomes[3]!.error)).toMatch(/gave up after 2 attempts/);
  });
});

describe('an undocumented record status over SOAP, MKTSYNC_MAX_ATTEMPTS=2', () => {
  it('makes the answer malformed: the leads are resent within the attempts, then dead-lettered FAILED', async () => {
    hostile = await startHostileMarketo();
    const odd = ['maybe', '', 'Created'];
    hostile.answer((n) =>
      leadsAnswer(
        Array.from({ length: n }, (_, i) =>
          odd[i % 3] === ''
            ? `<leadId>${1000 + i}</leadId>`
            : `<leadId>${1000 + i}</leadId><status>${odd[i % 3]}</status>`,
        ),
      ),
    );
    const { producer } = await startAgainst({
      MARKETO_SOAP_ENDPOINT: hostile.endpoint,
      MARKETO_USER_ID: 'odd_user',
      MARKETO_ENCRYPTION_KEY: 'odd-key-0123456789',
    });
    const { accepted } = await producer.enqueueLeads(
      Array.from({ length: 9 }, (_, i) => ({ Email: `soap-odd-${i}@example.com`, attributes: {} })),
    );
    const keys = accepted.map((a) => a.key);
    // The answer is parsed after the exchange, so no transport retry inside an attempt resends it.
    const bound = keys.length * MAX_ATTEMPTS;
    const outcomes = await outcomesOf(keys, () => hostile!.calls, 10 * bound);
    process.stdout.write(`syncMultipleLeads: ${hostile.calls} calls\n`);
    expect(hostile.calls).toBeLessThanOrEqual(bound);
    expect(outcomes.map((o) => o?.status)).toEqual(keys.map(() => 'FAILED'));
    expect(outcomes.every((o) => o!.attempt === MAX_ATTEMPTS)).toBe(true);
    expect(String(outcomes[0]!.error)).toMatch(/gave up after 2 attempts/);
  });
});
