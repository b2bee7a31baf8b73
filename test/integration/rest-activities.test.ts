import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { LoggedActivity } from '../../src/emulator/activity-store.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { runCli } from '../helpers/cli.js';
import { startPipeline, TEST_REST_CLIENT, type PipelineFixture } from '../helpers/pipeline.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';

/**
 * Custom activities end to end over REST: changes through the library, HTTP and files into a real Redis,
 * a real worker resolving leads and sending Add Custom Activities to the emulator over HTTP; `mktsync
 * send activities`; and lost answers after Marketo applied the call, checked in the activity log.
 */

const TOKEN = 'activity-test-token-0123456789';
const addSchema = restSchema('client-add-custom-activities-request');
const NO_MARKETO = {
  MARKETO_TRANSPORT: undefined,
  MARKETO_SOAP_ENDPOINT: undefined,
  MARKETO_REST_ENDPOINT: undefined,
};

let p: PipelineFixture | undefined;
let server: IngestServer | undefined;
let soap: Producer | undefined;
afterEach(async () => {
  await server?.close();
  await soap?.close();
  await p?.close();
  server = undefined;
  soap = undefined;
  p = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'mktsync-activities-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const logged = (f: PipelineFixture): readonly LoggedActivity[] => f.f.emulator.activities.all();

/** The Add Custom Activities calls, each body checked against the request schema written from Swagger. */
function addCalls(f: PipelineFixture) {
  const calls = f.f.emulator.calls.since().filter((c) => c.operation === 'addCustomActivities');
  for (const call of calls)
    expect(schemaProblems(addSchema, { input: call.records }), `call ${call.seq}`).toBe('');
  return calls;
}

const activity = (email: string, n: number, extra: Record<string, unknown> = {}) => ({
  lead: { Email: email },
  activityType: 'trialStarted',
  activityDate: `2026-12-07T06:${String(n % 60).padStart(2, '0')}:00+01:00`,
  primaryAttributeValue: `plan-${n}`,
  attributes: { seats: n },
  ...extra,
});

describe('custom activities over REST', () => {
  it('library: an activity for a lead created in the same stream lands on it; unknown keys and bad types fail naming them', async () => {
    p = await startPipeline({}, {}, 'rest');
    const known = p.f.emulator.leads.create({ Email: 'known@example.com' });
    await p.producer.enqueueLeads([{ Email: 'New@Example.com', attributes: { FirstName: 'New' } }]);
    const result = await p.producer.enqueueActivities([
      activity('new@example.com', 1),
      activity('KNOWN@example.com', 2),
      activity('nobody@example.com', 3),
      activity('known@example.com', 4, { activityType: 'webinarAttended' }),
      activity('known@example.com', 5, { attributes: { colour: 'red' } }),
      {
        ...activity('known@example.com', 6),
        lead: { Id: known.id },
        activityType: 100002,
        attributes: { amount: 10 },
      },
      activity('new@example.com', 7),
    ]);
    expect(result.rejected).toEqual([]);
    expect(result.accepted).toHaveLength(7);
    await p.startWorker();
    await p.drained();
    const created = p.f.emulator.leads.findBy('Email', 'new@example.com')[0]!;
    const byPrimary = new Map(logged(p).map((a) => [a.primaryAttributeValue, a]));
    expect([...byPrimary.keys()].sort()).toEqual(['plan-1', 'plan-2', 'plan-6', 'plan-7']);
    expect(byPrimary.get('plan-1')!.leadId).toBe(created.id);
    expect(byPrimary.get('plan-7')!.leadId).toBe(created.id);
    expect(byPrimary.get('plan-2')!.leadId).toBe(known.id);
    expect(byPrimary.get('plan-6')).toMatchObject({ leadId: known.id, activityTypeId: 100002 });
    expect(byPrimary.get('plan-1')).toMatchObject({
      activityTypeId: 100001,
      activityDate: '2026-12-07T05:01:00Z',
    });
    const outcomes = await Promise.all(result.accepted.map((ref) => p!.producer.getOutcome(ref.key)));
    expect(outcomes.map((o) => o?.status)).toEqual([
      'CREATED',
      'CREATED',
      'FAILED',
      'FAILED',
      'FAILED',
      'CREATED',
      'CREATED',
    ]);
    expect(outcomes[0]!.id).toBe(byPrimary.get('plan-1')!.marketoGUID);
    expect(outcomes[2]!.error).toContain('Email:nobody@example.com');
    expect(outcomes[3]!.error).toContain('activityType');
    expect(outcomes[3]!.error).toContain('draft');
    expect(outcomes[4]!.error).toContain('attributes.colour');
    // Dead-lettered for good, not retried for ever.
    expect(outcomes[2]!.attempt).toBe(1);
    addCalls(p);
  });

  it('HTTP POST /v1/activities takes activities and refuses a date without a zone naming the item and field', async () => {
    p = await startPipeline({}, {}, 'rest');
    p.f.emulator.leads.create({ Email: 'http@example.com' });
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const post = (body: unknown) =>
      fetch(`${server!.url}/v1/activities`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post([
      activity('http@example.com', 1),
      activity('http@example.com', 2, { activityDate: '2026-12-07T06:00:00' }),
    ]);
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: { index: number; field: string }[] }).problems;
    expect(problems).toEqual([expect.objectContaining({ index: 1, field: 'activityDate' })]);
    const good = await post([activity('http@example.com', 1), activity('http@example.com', 1)]);
    expect(good.status).toBe(202);
    await p.startWorker();
    await p.drained();
    // Two identical events are two events: never merged.
    expect(logged(p).map((a) => a.primaryAttributeValue)).toEqual(['plan-1', 'plan-1']);
  });

  it('intake over SOAP refuses activities naming the field', async () => {
    soap = await createProducer({ url: inject('redisUrl'), prefix: `soap-${Date.now()}` });
    const result = await soap.enqueueActivities([activity('a@example.com', 1)]);
    expect(result.accepted).toEqual([]);
    expect(result.rejected).toEqual([
      expect.objectContaining({ at: 0, field: 'activityType', reason: expect.stringContaining('REST only') }),
    ]);
  });

  it('mktsync enqueue --activities takes NDJSON and CSV; mktsync send activities sends a file', async () => {
    p = await startPipeline({}, {}, 'rest');
    const lead = p.f.emulator.leads.create({ Email: 'file@example.com' });
    const env = {
      ...NO_MARKETO,
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: p.f.emulator.restEndpoint,
    };
    const ndjson = write(
      'a.ndjson',
      [activity('file@example.com', 1), activity('file@example.com', 2, { activityDate: 'yesterday' })]
        .map((a) => JSON.stringify(a))
        .join('\n') + '\n',
    );
    const csv = write(
      'a.csv',
      [
        'Email,activityType,activityDate,primaryAttributeValue,attributes.seats',
        'file@example.com,trialStarted,2026-12-07T07:00:00Z,csv-plan,3',
        `,100001,2026-12-07T07:00:00Z,csv-plan,3`,
      ].join('\n') + '\n',
    );
    const fromNdjson = await runCli(['enqueue', '--activities', ndjson], env);
    expect(JSON.parse(fromNdjson.stdout)).toMatchObject({ accepted: 1, rejected: 1 });
    expect(fromNdjson.stderr).toContain(`${ndjson}:2: activityDate:`);
    const fromCsv = await runCli(['enqueue', '--activities', csv], env);
    expect(JSON.parse(fromCsv.stdout)).toMatchObject({ accepted: 1, rejected: 1 });
    expect(fromCsv.stderr).toContain(`${csv}:3: lead:`);
    await p.startWorker();
    await p.drained();
    expect(logged(p).map((a) => [a.leadId, a.primaryAttributeValue])).toEqual([
      [lead.id, 'plan-1'],
      [lead.id, 'csv-plan'],
    ]);
    const sendFile = write(
      'send.ndjson',
      `${JSON.stringify(activity('file@example.com', 9))}\n${JSON.stringify(activity('none@example.com', 8))}\n`,
    );
    const sent = await runCli(['send', 'activities', sendFile], {
      ...env,
      MARKETO_CLIENT_ID: TEST_REST_CLIENT.clientId,
      MARKETO_CLIENT_SECRET: TEST_REST_CLIENT.clientSecret,
    });
    expect(sent.code).toBe(0);
    const lines = sent.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ line: 1, status: 'CREATED' });
    expect(lines[1]).toMatchObject({ line: 2, status: 'FAILED' });
    expect(JSON.stringify(lines[1])).toContain('none@example.com');
    expect(logged(p).at(-1)).toMatchObject({ leadId: lead.id, primaryAttributeValue: 'plan-9' });
  });

  it('answers lost after Marketo applied 10% of activity calls: every activity logged exactly once', async () => {
    p = await startPipeline(
      {
        faults: {
          applyThenResetRate: 0.1,
          lostAnswerOperations: ['addCustomActivities'],
          // At least one, whatever the draws.
          failNext: { calls: 1, effect: 'apply-then-reset' },
        },
      },
      { MKTSYNC_MAX_MOBJECTS_PER_CALL: '50' },
      'rest',
    );
    const leads = Array.from({ length: 40 }, (_, i) =>
      p!.f.emulator.leads.create({ Email: `lost${i}@example.com` }),
    );
    const input = Array.from({ length: 1200 }, (_, n) =>
      activity(`lost${n % 40}@example.com`, n, { primaryAttributeValue: `event-${n}` }),
    );
    const result = await p.producer.enqueueActivities(input);
    expect(result.accepted).toHaveLength(1200);
    await p.startWorker();
    await p.drained(120_000);
    const lost = p.f.emulator.calls
      .since()
      .filter((c) => c.operation === 'addCustomActivities' && c.status === 'applied-reset');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    const counts = new Map<string, number>();
    for (const a of logged(p))
      counts.set(a.primaryAttributeValue, (counts.get(a.primaryAttributeValue) ?? 0) + 1);
    expect(counts.size).toBe(1200);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    for (const a of logged(p))
      expect(a.leadId).toBe(leads[Number(a.primaryAttributeValue.slice(6)) % 40]!.id);
    const outcomes = await Promise.all(result.accepted.map((ref) => p!.producer.getOutcome(ref.key)));
    expect(outcomes.every((o) => o?.status === 'CREATED')).toBe(true);
    // The activities of a lost call were found in the log, not sent again.
    const found = outcomes.filter((o) => o?.note?.includes('found in Marketo'));
    expect(found.length).toBeGreaterThanOrEqual(lost.length * 50 - 50);
    expect(p.f.emulator.calls.since().some((c) => c.operation === 'queryActivities')).toBe(true);
    addCalls(p);
  });
});
