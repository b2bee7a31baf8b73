import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EmulatedCompany } from '../../src/emulator/mobject-store.js';
import { startIngestServer, type IngestServer } from '../../src/producer/ingest-server.js';
import { createProducer, type Producer } from '../../src/producer/producer.js';
import { startPipeline, syncCalls, type PipelineFixture } from '../helpers/pipeline.js';
import { runCli } from '../helpers/cli.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';

/**
 * Companies end to end (issue 16, the proof of issue 15's four-file seam): changes over HTTP into a real
 * Redis, a real worker sending Sync Companies to the emulator over REST, outcomes per record.
 */

const TOKEN = 'company-test-token-0123456789';
const companySchema = restSchema('client-sync-companies-request');

let p: PipelineFixture | undefined;
let server: IngestServer | undefined;
let extra: Producer | undefined;
afterEach(async () => {
  await server?.close();
  await extra?.close();
  await p?.close();
  server = undefined;
  extra = undefined;
  p = undefined;
});

async function post(path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server!.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const companies = (f: PipelineFixture): EmulatedCompany[] =>
  f.f.emulator.mobjects.list('Company') as EmulatedCompany[];

/** The Sync Companies calls since `since`, each body as sent, checked against the schema. */
function companyCalls(f: PipelineFixture, since: number) {
  const calls = syncCalls(f, since).filter((c) => c.operation === 'syncCompanies');
  for (const call of calls) {
    const body = { action: call.action, dedupeBy: call.dedupeBy, input: call.records };
    expect(schemaProblems(companySchema, body), `call ${call.seq}`).toBe('');
  }
  return calls;
}

describe('companies over REST, through HTTP intake and a real worker', () => {
  it('coalesces N changes over M companies into M records in ceil(M/300) calls, then updates them', async () => {
    p = await startPipeline({}, {}, 'rest');
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const M = 650;
    const key = (i: number) => ({ name: 'externalCompanyId', value: `CO-${i}` });
    // Three changes per company, attribute by attribute: the name twice, the industry once.
    const lines = [
      ...Array.from({ length: M }, (_, i) => ({
        type: 'Company',
        operation: 'UPSERT',
        externalKey: key(i),
        attributes: { company: `Old ${i}` },
      })),
      ...Array.from({ length: M }, (_, i) => ({
        type: 'Company',
        operation: 'UPSERT',
        externalKey: key(i),
        attributes: { industry: i % 2 === 0 ? 'Tools' : 'Food', numberOfEmployees: i },
      })),
      ...Array.from({ length: M }, (_, i) => ({
        type: 'Company',
        operation: 'UPSERT',
        externalKey: key(i),
        attributes: { company: `Company ${i}` },
      })),
    ];
    const accepted = await post(
      '/v1/mobjects',
      lines.map((l) => JSON.stringify(l)).join('\n'),
      'application/x-ndjson',
    );
    expect(accepted.status).toBe(202);
    expect((await p.producer.buffer.stats()).waiting['O:Company:UPSERT']).toBe(M);

    const since = p.f.emulator.calls.total;
    await p.startWorker();
    await p.drained();
    const calls = companyCalls(p, since);
    expect(calls.length).toBe(Math.ceil(M / 300));
    expect(calls.reduce((n, c) => n + c.recordCount, 0)).toBe(M);
    expect(calls.map((c) => [c.action, c.dedupeBy])).toEqual(
      Array(calls.length).fill(['createOrUpdate', 'dedupeFields']),
    );
    const created = companies(p).filter((c) => c.externalKey?.value.startsWith('CO-'));
    expect(created).toHaveLength(M);
    const co7 = created.find((c) => c.externalKey!.value === 'CO-7')!;
    expect(co7.attributes).toEqual({ company: 'Company 7', industry: 'Food', numberOfEmployees: '7' });

    const refs = (accepted.body.references as { key: string }[]).slice(0, M).map((r) => r.key);
    const outcomes = await p.producer.buffer.outcomes.latestOf(refs);
    expect(new Set(outcomes.map((o) => o?.status))).toEqual(new Set(['CREATED']));
    expect(outcomes[7]?.id).toBe(co7.id);
    expect(outcomes[7]?.changes).toBe(3);

    // Updates: by externalCompanyId, by Marketo's id (dedupeBy idField, a request of its own), and one
    // Marketo does not hold (skipped 1013).
    const co8 = created.find((c) => c.externalKey!.value === 'CO-8')!;
    const since2 = p.f.emulator.calls.total;
    const updates = await p.producer.enqueueMObjects([
      {
        type: 'Company',
        operation: 'UPDATE',
        externalKey: key(7),
        attributes: { website: 'https://7.example' },
      },
      { type: 'Company', operation: 'UPDATE', id: co8.id, attributes: { industry: 'Rail' } },
      { type: 'Company', operation: 'UPDATE', externalKey: key(99999), attributes: { industry: 'None' } },
    ]);
    expect(updates.rejected).toEqual([]);
    await p.drained();
    const updateCalls = companyCalls(p, since2);
    expect(updateCalls.map((c) => [c.action, c.dedupeBy, c.records])).toEqual([
      [
        'updateOnly',
        'dedupeFields',
        [
          { externalCompanyId: 'CO-7', website: 'https://7.example' },
          { externalCompanyId: 'CO-99999', industry: 'None' },
        ],
      ],
      ['updateOnly', 'idField', [{ id: co8.id, industry: 'Rail' }]],
    ]);
    const updated = await p.producer.buffer.outcomes.latestOf(updates.accepted.map((a) => a.key));
    expect(updated.map((o) => [o?.status, o?.error ?? null])).toEqual([
      ['UPDATED', null],
      ['UPDATED', null],
      ['SKIPPED', expect.stringContaining('1013')],
    ]);
    expect(co8.attributes?.industry).toBe('Rail');
    expect(companies(p).find((c) => c.externalKey?.value === 'CO-7')!.attributes).toMatchObject({
      company: 'Company 7',
      website: 'https://7.example',
    });
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });

  it('refuses a bad company at intake naming the item and the field, writing nothing', async () => {
    p = await startPipeline({}, {}, 'rest');
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const answer = await post(
      '/v1/mobjects',
      JSON.stringify([
        { type: 'Company', operation: 'UPSERT', externalKey: { name: 'externalCompanyId', value: 'ok' } },
        { type: 'Company', operation: 'UPSERT', externalKey: { name: 'crmAccountId', value: 'A-1' } },
        { type: 'Company', operation: 'UPSERT', id: 5001, attributes: { industry: 'x' } },
        { type: 'Company', operation: 'INSERT', attributes: { company: 'No key' } },
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      { index: 1, field: 'externalKey.name', reason: expect.stringContaining('externalCompanyId') },
      { index: 2, field: 'id', reason: expect.stringContaining('UPDATE (updateOnly) only') },
      { index: 3, field: 'externalKey', reason: expect.stringContaining('externalCompanyId') },
    ]);
    expect((await p.producer.buffer.stats()).counters.accepted).toBeUndefined();
  });

  it('resends a createOnly whose answer was lost as a checked create: PROBABLY_CREATED, each company once', async () => {
    p = await startPipeline({}, {}, 'rest');
    await p.startWorker();
    // A warm-up company, so that the Describe of companies (a read) is behind the write under test.
    await p.producer.enqueueMObjects({
      type: 'Company',
      operation: 'UPSERT',
      externalKey: { name: 'externalCompanyId', value: 'WARM' },
      attributes: { company: 'Warm-up' },
    });
    await p.drained();
    const since = p.f.emulator.calls.total;
    p.f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const inserts = await p.producer.enqueueMObjects(
      Array.from({ length: 5 }, (_, i) => ({
        type: 'Company' as const,
        operation: 'INSERT' as const,
        externalKey: { name: 'externalCompanyId', value: `NEW-${i}` },
        attributes: { company: `New ${i}` },
      })),
    );
    expect(inserts.rejected).toEqual([]);
    await p.drained();
    expect(companyCalls(p, since).map((c) => [c.status, c.action])).toEqual([
      ['applied-reset', 'createOnly'],
      ['ok', 'createOnly'],
    ]);
    const outcomes = await p.producer.buffer.outcomes.latestOf(inserts.accepted.map((a) => a.key));
    expect(outcomes.map((o) => o?.status)).toEqual(Array(5).fill('PROBABLY_CREATED'));
    const made = companies(p).filter((c) => c.externalKey?.value.startsWith('NEW-'));
    expect(made.map((c) => c.externalKey!.value).sort()).toEqual([
      'NEW-0',
      'NEW-1',
      'NEW-2',
      'NEW-3',
      'NEW-4',
    ]);
    expect(await p.producer.buffer.deadLetters()).toEqual([]);
  });
});

describe('companies over SOAP', () => {
  it('are refused at HTTP intake, saying SOAP has no companies', async () => {
    p = await startPipeline();
    server = await startIngestServer({ producer: p.producer, token: TOKEN });
    const answer = await post(
      '/v1/mobjects',
      JSON.stringify([
        { type: 'Company', operation: 'UPSERT', externalKey: { name: 'externalCompanyId', value: 'S-1' } },
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      {
        index: 0,
        field: 'type',
        reason:
          'Company does not exist over SOAP: Marketo offers it over REST only (set MARKETO_TRANSPORT=rest for the workers and intake)',
      },
    ]);
  });

  it('that reached a SOAP worker anyway are settled FAILED naming the reason, not stranded', async () => {
    p = await startPipeline();
    // Written by a producer that believed the workers speak REST.
    extra = await createProducer({ url: inject('redisUrl'), prefix: p.prefix, transport: 'rest' });
    const written = await extra.enqueueMObjects({
      type: 'Company',
      operation: 'UPSERT',
      externalKey: { name: 'externalCompanyId', value: 'S-2' },
      attributes: { company: 'Stray' },
    });
    expect(written.rejected).toEqual([]);
    const since = p.f.emulator.calls.total;
    await p.startWorker();
    await p.drained();
    const outcome = await p.producer.getOutcome(written.accepted[0]!.key);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('Company does not exist over SOAP'),
    });
    // Nothing reached Marketo.
    expect(syncCalls(p, since)).toEqual([]);
  });
});

describe('companies through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-companies-'));
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

  it('mktsync enqueue --mobjects takes a CSV of companies under MARKETO_TRANSPORT=rest, naming bad rows', async () => {
    p = await startPipeline({}, {}, 'rest');
    const csv = write(
      'companies.csv',
      [
        'type,operation,externalKeyName,externalKeyValue,company,industry',
        'Company,UPSERT,externalCompanyId,CSV-1,Csv One,Tools',
        'Company,UPSERT,crmAccountId,CSV-2,Csv Two,Food',
        'Company,UPSERT,externalCompanyId,CSV-1,,Rail',
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
    expect(run.stderr).toContain(`${csv}:3: externalKey.name: must be externalCompanyId`);
    await p.startWorker();
    await p.drained();
    // An empty CSV cell leaves the field out: the name stays, the industry of the later row merged in.
    expect(companies(p).find((c) => c.externalKey?.value === 'CSV-1')!.attributes).toEqual({
      company: 'Csv One',
      industry: 'Rail',
    });
  });

  it('mktsync send mobjects sends companies over REST, one line per record; over SOAP each fails saying why', async () => {
    const file = write(
      'companies.ndjson',
      [
        {
          type: 'Company',
          externalKey: { name: 'externalCompanyId', value: 'SEND-1' },
          attributes: { company: 'Send One' },
        },
        {
          type: 'Company',
          externalKey: { name: 'externalCompanyId', value: 'SEND-2' },
          attributes: { Pants: 'blue' },
        },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const parse = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const rest = await runCli(
      ['send', 'mobjects', file, '--operation', 'UPSERT', '--transport', 'rest', '--emulator'],
      NO_MARKETO,
    );
    expect(rest.stderr).toBe('');
    expect(parse(rest.stdout)).toEqual([
      { line: 1, status: 'CREATED', id: expect.stringMatching(/^\d+$/), code: null, error: null },
      expect.objectContaining({ line: 2, status: 'FAILED', field: 'attributes.Pants' }),
    ]);
    const soap = await runCli(
      ['send', 'mobjects', file, '--operation', 'UPSERT', '--transport', 'soap', '--emulator'],
      NO_MARKETO,
    );
    expect(parse(soap.stdout).map((r) => [r.line, r.status, r.error])).toEqual([
      [1, 'FAILED', expect.stringContaining('Company does not exist over SOAP')],
      [2, 'FAILED', expect.stringContaining('Company does not exist over SOAP')],
    ]);
  });
});
