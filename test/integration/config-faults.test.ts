import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/worker/worker.js';
import {
  startFaultProxy,
  type FaultProxy,
  type ProxiedRequest,
  type ProxyAnswer,
} from '../helpers/fault-proxy.js';
import { startPipeline, type PipelineFixture, type TransportKind } from '../helpers/pipeline.js';

/**
 * Issue 19 item 1: a wrong setting stops sending like an authentication fault does. The records are
 * kept (not dead-lettered), /readyz fails naming the setting, a metric counts it, and sending resumes
 * by itself once the way to Marketo is right again. A misconfigured hop (test/helpers/fault-proxy.ts)
 * stands between a real worker and the emulator.
 */

let p: PipelineFixture | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await p?.close();
  await proxy?.close();
  p = undefined;
  proxy = undefined;
});

const leads = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    Email: `cfg-${i}@example.com`,
    attributes: { FirstName: `F${i}` },
  }));
const opportunities = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'Opportunity' as const,
    operation: 'UPSERT' as const,
    externalKey: { name: 'crmId', value: `CFG-${i}` },
    attributes: { Name: `Deal ${i}` },
  }));
const programs = [1001, 1003].map((id) => ({
  type: 'Program' as const,
  operation: 'UPDATE' as const,
  id,
  typeAttributes: [{ attrType: 'Tag' as const, attributes: { Type: 'Channel', Value: 'Webinar' } }],
}));

/** Polls `probe` until it returns a value (a state, not a duration, is awaited; the bound only ends a hung test). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never reached: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const notFound: ProxyAnswer = {
  status: 404,
  headers: { 'Content-Type': 'text/html' },
  body: '<h1>Not Found</h1>',
};
const rest610: ProxyAnswer = {
  status: 200,
  body: JSON.stringify({
    requestId: 'x',
    success: false,
    errors: [{ code: '610', message: 'Requested resource not found' }],
  }),
};
const redirect = (req: ProxiedRequest): ProxyAnswer => ({
  status: 301,
  headers: { Location: `https://127.0.0.1:1${req.path}` },
  body: '',
});

interface Case {
  name: string;
  transport: TransportKind;
  rule: (req: ProxiedRequest) => ProxyAnswer;
  setting: RegExp;
}

const CASES: Case[] = [
  {
    name: 'REST: the API path answers HTTP 404 (wrong base URL)',
    transport: 'rest',
    rule: (req) => (req.path.startsWith('/rest') ? notFound : null),
    setting: /MARKETO_REST_ENDPOINT/,
  },
  {
    name: 'REST: the API answers 610 (requested resource not found)',
    transport: 'rest',
    rule: (req) => (req.path.startsWith('/rest') ? rest610 : null),
    setting: /MARKETO_REST_ENDPOINT/,
  },
  {
    name: 'REST: the Identity URL answers HTTP 404',
    transport: 'rest',
    rule: (req) => (req.path.startsWith('/identity') ? notFound : null),
    setting: /MARKETO_IDENTITY_ENDPOINT/,
  },
  {
    name: 'REST: an http:// endpoint answered with a 301 redirect',
    transport: 'rest',
    rule: redirect,
    setting: /MARKETO_REST_ENDPOINT/,
  },
  {
    name: 'SOAP: the endpoint path answers HTTP 404',
    transport: 'soap',
    rule: (req) => (req.path.startsWith('/soap') ? notFound : null),
    setting: /MARKETO_SOAP_ENDPOINT/,
  },
];

async function startBehindProxy(c: Pick<Case, 'transport'>): Promise<{ worker: Worker; keys: string[] }> {
  p = await startPipeline({}, {}, c.transport);
  proxy = await startFaultProxy(p.f.emulator.url);
  const accepted = [
    ...(await p.producer.enqueueLeads(leads(30))).accepted,
    ...(await p.producer.enqueueMObjects(opportunities(5))).accepted,
    ...(c.transport === 'rest' ? (await p.producer.enqueueMObjects(programs)).accepted : []),
  ];
  expect(accepted.length).toBe(c.transport === 'rest' ? 37 : 35);
  return { worker: undefined as unknown as Worker, keys: accepted.map((a) => a.key) };
}

describe('a configuration fault stops sending, keeps the records and resumes by itself', () => {
  it.each(CASES)('$name', async (c) => {
    const { keys } = await startBehindProxy(c);
    proxy!.answer(c.rule);
    const endpoint: Record<string, string> =
      c.transport === 'rest'
        ? { MARKETO_REST_ENDPOINT: proxy!.url }
        : { MARKETO_SOAP_ENDPOINT: `${proxy!.url}/soap/mktows/2_3` };
    // The stop lasts MKTSYNC_AUTH_PAUSE_MS; then one more call probes whether the setting is right.
    const worker = await p!.startWorker({}, { ...endpoint, MKTSYNC_AUTH_PAUSE_MS: '300' });
    // Whichever comes first: readiness failing, or a record dead-lettered (the failure on main).
    const first = await until(async () => {
      const dead = (await p!.producer.buffer.stats()).deadLetters;
      if (dead > 0) return { dead, reason: null };
      const reason = await worker.notReadyReason();
      return reason === null ? undefined : { dead, reason };
    }, 'readiness failing or a dead letter');
    expect(first.dead, `dead letters: ${first.dead} of ${keys.length}`).toBe(0);
    expect(first.reason).toMatch(/configuration fault/);
    expect(first.reason, first.reason ?? '').toMatch(c.setting);
    const readyz = await fetch(`${worker.url}/readyz`);
    // The stop may lapse for the probe between the two reads; it is set again at once.
    if (readyz.status === 503)
      expect(((await readyz.json()) as { reason: string }).reason).toMatch(c.setting);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`mktsync_config_faults_total\\{[^}]*setting="[^"]*${c.setting.source}`),
    );
    // Probes go on while the setting is wrong, and still nothing is dead-lettered.
    const seen = proxy!.requests.length;
    await until(async () => (proxy!.requests.length > seen + 1 ? true : undefined), 'another probe');
    expect((await p!.producer.buffer.stats()).deadLetters).toBe(0);

    // The way to Marketo is right again: the worker resumes without a restart, and every record lands.
    proxy!.answer(() => null);
    await p!.drained();
    expect((await p!.producer.buffer.stats()).deadLetters).toBe(0);
    for (const key of keys)
      expect((await p!.producer.buffer.getOutcome(key))?.status, key).toMatch(/CREATED|UPDATED/);
    expect(await worker.notReadyReason()).toBeNull();
  });
});

describe('a worker whose endpoint refuses connections', () => {
  it.each(['rest', 'soap'] as const)('says in readiness that nothing can be sent (%s)', async (transport) => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    p = await startPipeline({}, {}, transport);
    await p.producer.enqueueLeads(leads(3));
    const endpoint: Record<string, string> =
      transport === 'rest'
        ? { MARKETO_REST_ENDPOINT: `http://127.0.0.1:${closed}` }
        : { MARKETO_SOAP_ENDPOINT: `http://127.0.0.1:${closed}/soap/mktows/2_3` };
    const worker = await p.startWorker({}, { ...endpoint, MKTSYNC_MAX_ATTEMPTS: '100' });
    expect(await worker.notReadyReason()).toBeNull();
    const reason = await until(async () => (await worker.notReadyReason()) ?? undefined, 'readiness failing');
    expect(reason).toMatch(/nothing can be sent/);
    expect(reason).toMatch(transport === 'rest' ? /MARKETO_REST_ENDPOINT/ : /MARKETO_SOAP_ENDPOINT/);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(503);
  });
});
