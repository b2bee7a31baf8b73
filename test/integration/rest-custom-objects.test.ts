import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { CallLogEntry } from '../../src/emulator/call-log.js';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { runCli } from '../helpers/cli.js';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';

/**
 * Custom objects end to end (issue 16): changes through the library, HTTP, files and `mktsync send`
 * into a real Redis, a real worker sending Sync / Delete Custom Objects to the emulator over REST,
 * outcomes per record; every request body checked against the project's schemas written from Adobe's
 * Swagger facts.
 */

const TOKEN = 'custom-object-test-token-0123456789';
const syncSchema = restSchema('client-sync-custom-objects-request');
const deleteSchema = restSchema('client-delete-custom-objects-request');
const dir = mkdtempSync(join(tmpdir(), 'mktsync-custom-objects-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NO_MARKETO = {
  MARKETO_TRANSPORT: undefined,
  MARKETO_SOAP_ENDPOINT: undefined,
  MARKETO_REST_ENDPOINT: undefined,
};

let p: PipelineFixture | undefined;
let server: IngestServer | undefined;
afterEach(async () => {
  await server?.close();
  await p?.close();
  server = undefined;
  p = undefined;
});

/** The custom object calls since `since`, each body checked against its schema. */
function objectCalls(f: PipelineFixture, since: number, apiName?: string): CallLogEntry[] {
  const calls = f.f.emulator.calls
    .since(since)
    .filter((c) => c.operation === 'syncCustomObjects' || c.operation === 'deleteCustomObjects')
    .filter((c) => apiName === undefined || c.apiName === apiName);
  for (const call of calls) {
    const body =
      call.operation === 'syncCustomObjects'
        ? { action: call.action, dedupeBy: call.dedupeBy, input: call.records }
        : { deleteBy: call.deleteBy, input: call.records };
    const schema = call.operation === 'syncCustomObjects' ? syncSchema : deleteSchema;
    expect(schemaProblems(schema, body), `call ${call.seq}`).toBe('');
  }
  return calls;
}

const devices = (f: PipelineFixture) => f.f.emulator.customObjects.list('device_c');
const device = (f: PipelineFixture, serial: string) =>
  devices(f).find((d) => d.fields.serialNumber === serial);

async function outcomesOf(f: PipelineFixture, keys: readonly string[]) {
  return f.producer.buffer.outcomes.latestOf([...keys]);
}

describe('custom objects through the library and a real worker', () => {
  it('merges changes attribute by attribute per record, links leads, fails an unknown field naming it, deletes', async () => {
    p = await startPipeline({}, {}, 'rest');
    const lead = p.f.emulator.leads; // leads made over REST below, so the link can name them
    const made = await p.producer.enqueueLeads([
      { Email: 'owner1@example.com', attributes: { FirstName: 'O' } },
    ]);
    expect(made.rejected).toEqual([]);
    await p.startWorker();
    await p.drained();
    const ownerId = lead.all().find((l) => l.Email === 'owner1@example.com')!.id;

    const since = p.f.emulator.calls.total;
    const result = await p.producer.enqueueMObjects([
      {
        apiName: 'device_c',
        operation: 'UPSERT',
        keys: { serialNumber: 'D-1' },
        attributes: { model: 'X1' },
      },
      {
        apiName: 'device_c',
        operation: 'UPSERT',
        keys: { serialNumber: 'D-2' },
        attributes: { model: 'X2' },
      },
      // The same record again: merged into D-1's pending change, attribute by attribute.
      {
        apiName: 'device_c',
        operation: 'UPDATE',
        keys: { serialNumber: 'D-1' },
        attributes: { firmware: '2.0', active: true },
        lead: { Id: ownerId },
      },
      {
        apiName: 'device_c',
        operation: 'UPSERT',
        keys: { serialNumber: 'D-3' },
        attributes: { colour: 'red' },
      },
      {
        apiName: 'subscription_c',
        operation: 'UPSERT',
        keys: { subscriptionId: 'S-1' },
        attributes: { plan: 'pro', seats: 3 },
        lead: { Email: 'owner1@example.com' },
      },
    ]);
    expect(result.rejected).toEqual([]);
    expect(new Set(result.accepted.map((a) => a.key)).size).toBe(4);
    await p.drained();
    const calls = objectCalls(p, since);
    expect(calls.map((c) => [c.apiName, c.action, c.dedupeBy, c.recordCount]).sort()).toEqual([
      ['device_c', 'createOrUpdate', 'dedupeFields', 2],
      ['subscription_c', 'createOrUpdate', 'dedupeFields', 1],
    ]);
    expect(device(p, 'D-1')!.fields).toEqual({
      serialNumber: 'D-1',
      model: 'X1',
      firmware: '2.0',
      active: true,
      leadId: ownerId,
    });
    expect(p.f.emulator.customObjects.list('subscription_c')[0]!.fields).toEqual({
      subscriptionId: 'S-1',
      plan: 'pro',
      seats: 3,
      leadEmail: 'owner1@example.com',
    });
    const keys = [...new Set(result.accepted.map((a) => a.key))];
    const outcomes = await outcomesOf(p, keys);
    const byKey = new Map(keys.map((k, i) => [k, outcomes[i]]));
    expect(byKey.get('C:device_c:serialNumber=D-1')).toMatchObject({
      status: 'CREATED',
      id: device(p, 'D-1')!.marketoGUID,
      changes: 2,
    });
    expect(byKey.get('C:device_c:serialNumber=D-3')).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('attributes.colour is not a field of device_c'),
    });
    const dead = await p.producer.buffer.deadLetters();
    expect(dead.map((d) => d.key)).toEqual(['C:device_c:serialNumber=D-3']);

    // Updates by marketoGUID (idField) and a delete by the dedupe field.
    const since2 = p.f.emulator.calls.total;
    const guid2 = device(p, 'D-2')!.marketoGUID;
    const second = await p.producer.enqueueMObjects([
      {
        apiName: 'device_c',
        operation: 'UPDATE',
        keys: { marketoGUID: guid2 },
        attributes: { firmware: '3.1' },
      },
      { apiName: 'device_c', operation: 'DELETE', keys: { serialNumber: 'D-1' } },
      { apiName: 'device_c', operation: 'DELETE', keys: { serialNumber: 'NEVER' } },
    ]);
    expect(second.rejected).toEqual([]);
    await p.drained();
    expect(
      objectCalls(p, since2).map((c) => [c.operation, c.action ?? c.deleteBy, c.dedupeBy ?? null]),
    ).toEqual(
      expect.arrayContaining([
        ['syncCustomObjects', 'updateOnly', 'idField'],
        ['deleteCustomObjects', 'dedupeFields', null],
      ]),
    );
    expect(device(p, 'D-1')).toBeUndefined();
    expect(device(p, 'D-2')!.fields.firmware).toBe('3.1');
    const after = await outcomesOf(
      p,
      second.accepted.map((a) => a.key),
    );
    expect(after.map((o) => [o?.status, o?.error ?? null])).toEqual([
      ['UPDATED', null],
      ['UPDATED', 'deleted'],
      ['SKIPPED', expect.stringContaining('1013')],
    ]);
  });

  it('a type the native CRM sync makes read-only stops its group (held, nothing dead-lettered) while others flow', async () => {
    p = await startPipeline({}, { MKTSYNC_AUTH_PAUSE_MS: '1500' }, 'rest');
    const put = (crmManaged: boolean) =>
      fetch(`${p!.f.emulator.url}/_emulator/rest/customobjects/order_c`, {
        method: 'PUT',
        body: JSON.stringify({
          dedupeFields: ['orderId'],
          fields: [{ name: 'orderId' }, { name: 'total', dataType: 'currency' }],
          crmManaged,
        }),
      });
    expect((await put(true)).status).toBe(200);
    await p.startWorker();
    const orders = await p.producer.enqueueMObjects(
      Array.from({ length: 6 }, (_, i) => ({
        apiName: 'order_c',
        operation: 'UPSERT' as const,
        keys: { orderId: `O-${i}` },
        attributes: { total: 10 + i },
      })),
    );
    const others = await p.producer.enqueueMObjects([
      {
        apiName: 'device_c',
        operation: 'UPSERT',
        keys: { serialNumber: 'FREE-1' },
        attributes: { model: 'Z' },
      },
    ]);
    expect([orders.rejected, others.rejected]).toEqual([[], []]);
    // The other group's record is settled; the read-only group was refused once and is held.
    const refused = async () => objectCalls(p!, 0, 'order_c').length;
    while ((await outcomesOf(p, [others.accepted[0]!.key]))[0] === null || (await refused()) === 0)
      await new Promise((r) => setTimeout(r, 50));
    expect((await outcomesOf(p, [others.accepted[0]!.key]))[0]?.status).toBe('CREATED');
    expect(
      await outcomesOf(
        p,
        orders.accepted.map((a) => a.key),
      ),
    ).toEqual(Array(6).fill(null));
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
    const stats = await p.producer.buffer.stats();
    expect((stats.waiting['C:order_c:UPSERT'] ?? 0) + stats.inFlight).toBe(6);

    // The instance allows writes again: the held records go through, no attempt burnt on the refusal.
    expect((await put(false)).status).toBe(200);
    await p.drained();
    const done = await outcomesOf(
      p,
      orders.accepted.map((a) => a.key),
    );
    expect(done.map((o) => [o?.status, o?.attempt])).toEqual(Array(6).fill(['CREATED', 1]));
    expect(p.f.emulator.customObjects.list('order_c')).toHaveLength(6);
  });

  it('a createOnly whose answer was lost is resent as a checked create: PROBABLY_CREATED, each record once', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    // A warm-up record, so that the type's Describe is cached before the write under test.
    await p.producer.enqueueMObjects({
      apiName: 'device_c',
      operation: 'UPSERT',
      keys: { serialNumber: 'WARM' },
    });
    await p.drained();
    const since = p.f.emulator.calls.total;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const inserts = await p.producer.enqueueMObjects(
      Array.from({ length: 4 }, (_, i) => ({
        apiName: 'device_c',
        operation: 'INSERT' as const,
        keys: { serialNumber: `NEW-${i}` },
        attributes: { model: `M${i}` },
      })),
    );
    expect(inserts.rejected).toEqual([]);
    await p.drained();
    expect(objectCalls(p, since).map((c) => [c.status, c.action])).toEqual([
      ['applied-reset', 'createOnly'],
      ['ok', 'createOnly'],
    ]);
    const outcomes = await outcomesOf(
      p,
      inserts.accepted.map((a) => a.key),
    );
    expect(outcomes.map((o) => o?.status)).toEqual(Array(4).fill('PROBABLY_CREATED'));
    expect(devices(p).filter((d) => String(d.fields.serialNumber).startsWith('NEW-'))).toHaveLength(4);
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});

describe('custom objects linked by email to leads created in the same stream', () => {
  it('wait for their lead (no 1004 Lead not found): every subscription lands on its new lead', async () => {
    // The lead call answers slowly, so the subscriptions' batch is ready while their leads are in flight.
    p = await startPipeline({ faults: { latency: { fixedMs: 400 } } }, { MKTSYNC_LINGER_MS: '20' }, 'rest');
    const email = (i: number) => `sub${i}@example.com`;
    // The type's describe read and cached first, so that nothing else delays the subscriptions' call.
    p.f.emulator.leads.create({ Email: 'known@example.com' });
    await p.startWorker();
    await p.producer.enqueueMObjects({
      apiName: 'subscription_c',
      operation: 'UPSERT',
      keys: { subscriptionId: 'SUB-known' },
      lead: { Email: 'known@example.com' },
    });
    await p.drained(60_000);
    const leads = await p.producer.enqueueLeads(
      Array.from({ length: 40 }, (_, i) => ({ Email: email(i), attributes: { FirstName: `S${i}` } })),
    );
    const subs = await p.producer.enqueueMObjects(
      Array.from({ length: 40 }, (_, i) => ({
        apiName: 'subscription_c',
        operation: 'UPSERT' as const,
        keys: { subscriptionId: `SUB-${i}` },
        attributes: { plan: 'pro', seats: i + 1 },
        lead: { Email: email(i) },
      })),
    );
    expect(leads.rejected).toEqual([]);
    expect(subs.rejected).toEqual([]);
    await p.drained(60_000);
    const outcomes = await Promise.all(subs.accepted.map((r) => p!.producer.getOutcome(r.key)));
    expect(outcomes.map((o) => `${o?.status} ${o?.error ?? ''}`.trim())).toEqual(
      subs.accepted.map(() => 'CREATED'),
    );
    const stored = p.f.emulator.customObjects.list('subscription_c');
    expect(new Set(stored.map((s) => s.fields.leadEmail))).toEqual(
      new Set([...Array.from({ length: 40 }, (_, i) => email(i)), 'known@example.com']),
    );
    objectCalls(p, 0, 'subscription_c');
  });
});

describe('custom objects through HTTP, files and mktsync send', () => {
  it('HTTP /v1/mobjects takes custom object changes (NDJSON) and refuses bad ones naming item and field', async () => {
    p = await startPipeline({}, {}, 'rest');
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const post = async (body: string, contentType: string) => {
      const response = await fetch(`${server!.url}/v1/mobjects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': contentType },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const bad = await post(
      JSON.stringify([
        { apiName: 'device_c', operation: 'UPSERT', keys: { serialNumber: 'H-0' } },
        { apiName: 'device_c', operation: 'UPSERT', keys: {} },
        { apiName: 'device_c', operation: 'INSERT', keys: { marketoGUID: 'x' } },
      ]),
      'application/json',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([
      { index: 1, field: 'keys', reason: expect.stringContaining('dedupe fields') },
      { index: 2, field: 'keys.marketoGUID', reason: expect.stringContaining('UPDATE or DELETE only') },
    ]);
    const lines = Array.from({ length: 350 }, (_, i) => ({
      apiName: 'device_c',
      operation: 'UPSERT',
      keys: { serialNumber: `H-${i}` },
      attributes: { model: `Model ${i}` },
    }));
    const accepted = await post(lines.map((l) => JSON.stringify(l)).join('\n'), 'application/x-ndjson');
    expect(accepted.status).toBe(202);
    expect((await p.producer.buffer.stats()).waiting['C:device_c:UPSERT']).toBe(350);
    const since = p.f.emulator.calls.total;
    await p.startWorker();
    await p.drained();
    expect(objectCalls(p, since).map((c) => c.recordCount)).toEqual([300, 50]);
    expect(devices(p)).toHaveLength(350);
  });

  it('mktsync enqueue --mobjects takes a CSV of custom objects; SOAP refuses them at intake', async () => {
    p = await startPipeline({}, {}, 'rest');
    const csv = write(
      'devices.csv',
      [
        'apiName,operation,key.serialNumber,model,firmware',
        'device_c,UPSERT,CSV-1,One,1.0',
        'device_c,UPSERT,,Two,2.0',
        'device_c,UPSERT,CSV-1,,1.1',
      ].join('\n') + '\n',
    );
    const env = {
      ...NO_MARKETO,
      REDIS_URL: inject('redisUrl'),
      MKTSYNC_PREFIX: p.prefix,
      MARKETO_TRANSPORT: 'rest',
      MARKETO_REST_ENDPOINT: p.f.emulator.restEndpoint,
    };
    const run = await runCli(['enqueue', '--mobjects', csv], env);
    expect(JSON.parse(run.stdout)).toMatchObject({ accepted: 2, rejected: 1 });
    expect(run.stderr).toContain(`${csv}:3: keys: must name the record by its dedupe fields`);
    await p.startWorker();
    await p.drained();
    expect(device(p, 'CSV-1')!.fields).toEqual({ serialNumber: 'CSV-1', model: 'One', firmware: '1.1' });

    const soap = await runCli(['enqueue', '--mobjects', csv], {
      ...env,
      MARKETO_TRANSPORT: 'soap',
      MARKETO_REST_ENDPOINT: undefined,
      MARKETO_SOAP_ENDPOINT: p.f.emulator.endpoint,
    });
    expect(soap.stderr).toContain(`${csv}:2: apiName: Custom objects do not exist over SOAP`);
  });

  it('mktsync send customobjects sends one call per group over REST, one line per record', async () => {
    const file = write(
      'send.ndjson',
      [
        {
          apiName: 'device_c',
          operation: 'UPSERT',
          keys: { serialNumber: 'SEND-1' },
          attributes: { model: 'S' },
        },
        {
          apiName: 'device_c',
          operation: 'UPSERT',
          keys: { serialNumber: 'SEND-2' },
          attributes: { Pants: 'blue' },
        },
        {
          apiName: 'subscription_c',
          operation: 'INSERT',
          keys: { subscriptionId: 'SUB-1' },
          attributes: { seats: 2 },
        },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const run = await runCli(
      ['send', 'customobjects', file, '--transport', 'rest', '--emulator'],
      NO_MARKETO,
    );
    expect(run.stderr).toBe('');
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ line: 1, status: 'CREATED', id: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
      expect.objectContaining({ line: 2, status: 'FAILED', field: 'attributes.Pants' }),
      expect.objectContaining({ line: 3, status: 'CREATED' }),
    ]);
    const soap = await runCli(
      ['send', 'customobjects', file, '--transport', 'soap', '--emulator'],
      NO_MARKETO,
    );
    expect(soap.code).toBe(2);
    expect(soap.stderr).toContain(`${file}:1: apiName: Custom objects do not exist over SOAP`);
  });
});
