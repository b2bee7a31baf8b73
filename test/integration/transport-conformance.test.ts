import { afterEach, describe, expect, it } from 'vitest';
import type { StoredLead, StoredMObject } from '../../src/buffer/types.js';
import { RestTransport } from '../../src/rest/client.js';
import { SoapTransport } from '../../src/soap/soap-transport.js';
import {
  MarketoCallError,
  parseGroupName,
  type LeadGroup,
  type ObjectGroup,
  type RecordResult,
  type Transport,
} from '../../src/transport/contract.js';
import { policyRow } from '../../src/worker/delivery-policy.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';
import { TEST_REST_CLIENT, TRANSPORTS, type TransportKind } from '../helpers/pipeline.js';

/**
 * One suite, both transports: the same calls against the emulator over HTTP must come back as the same
 * statuses, categories and applied-states, whatever the wire.
 */

let f: EmulatorFixture | undefined;
const transports: Transport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await f?.close();
  f = undefined;
});

const BY_EMAIL = parseGroupName('L:Email') as LeadGroup;
const BY_ID = parseGroupName('L:Id') as LeadGroup;
const DUPLICATES = parseGroupName('L0') as LeadGroup;
const OPP_INSERT = parseGroupName('O:Opportunity:INSERT') as ObjectGroup;
const OPP_UPSERT = parseGroupName('O:Opportunity:UPSERT') as ObjectGroup;

async function start(kind: TransportKind, endpoint?: string): Promise<Transport> {
  f = await startFixture({
    limits: { rateCalls: null, concurrency: null, dailyQuota: null },
    rest: { ...TEST_REST_CLIENT },
    // An answer lost "late" must come after the client gave up.
    faults: { lateAnswerMs: 5_000 },
  });
  return open(kind, endpoint);
}

function open(kind: TransportKind, endpoint?: string, secret = TEST_REST_CLIENT.clientSecret): Transport {
  const emulator = fixture();
  const transport =
    kind === 'soap'
      ? new SoapTransport({
          endpoint: endpoint ?? emulator.emulator.endpoint,
          ...emulator.credentials,
          transportRetries: 0,
          retryMinDelayMs: 5,
          responseTimeoutMs: 1_000,
          connectTimeoutMs: 1_000,
        })
      : new RestTransport({
          endpoint: endpoint ?? emulator.emulator.restEndpoint,
          clientId: TEST_REST_CLIENT.clientId,
          clientSecret: secret,
          responseTimeoutMs: 1_000,
          connectTimeoutMs: 1_000,
        });
  transports.push(transport);
  return transport;
}

const lead = (email: string, attributes: Record<string, string> = {}): StoredLead => ({
  Email: email,
  attributes: { FirstName: 'Ann', ...attributes },
});
const opportunity = (key: string): StoredMObject => ({
  type: 'Opportunity',
  externalKey: { name: 'crmId', value: key },
  attributes: { Name: `Deal ${key}` },
});

function fixture(): EmulatorFixture {
  if (!f) throw new Error('start() first');
  return f;
}

async function failure(promise: Promise<unknown>): Promise<MarketoCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MarketoCallError);
  return error as MarketoCallError;
}

const shape = (r: RecordResult) => ({ status: r.status, id: r.id === null ? null : typeof r.id });

describe.each(TRANSPORTS)('the transport contract over %s', (kind) => {
  it('every status: leads CREATED then UPDATED, ids as text; an INSERT of an existing key SKIPPED; an unknown lead id FAILED per record', async () => {
    const t = await start(kind);
    const created = await t.send({ group: BY_EMAIL, records: [lead('a@x.com'), lead('b@x.com')] });
    expect(created.map(shape)).toEqual([
      { status: 'CREATED', id: 'string' },
      { status: 'CREATED', id: 'string' },
    ]);
    expect(created[0]!.id).toMatch(/^\d+$/);
    const updated = await t.send({ group: BY_EMAIL, records: [lead('a@x.com', { City: 'Bonn' })] });
    expect(updated).toMatchObject([{ status: 'UPDATED', id: created[0]!.id, category: null }]);

    const first = await t.send({ group: OPP_INSERT, records: [opportunity('O-1')] });
    expect(first).toMatchObject([{ status: 'CREATED', category: null }]);
    expect(first[0]!.id).not.toBeNull();
    const again = await t.send({ group: OPP_INSERT, records: [opportunity('O-1'), opportunity('O-2')] });
    expect(again.map((r) => r.status)).toEqual(['SKIPPED', 'CREATED']);
    const renamed = { ...opportunity('O-2'), attributes: { Name: 'Deal O-2 renamed' } };
    const upsert = await t.send({ group: OPP_UPSERT, records: [renamed] });
    expect(upsert.map((r) => r.status)).toEqual(['UPDATED']);

    const missing = await t.send({
      group: BY_ID,
      records: [
        { Id: 99_999_999, attributes: { City: 'Nowhere' } },
        { Id: Number(created[1]!.id), attributes: {} },
      ],
    });
    // One meaning over both wires (issue 19): an update of a lead Marketo does not have did not land,
    // so it FAILED; the code says which wire answered (SOAP 20103, REST 1004).
    expect(missing[0]).toMatchObject({
      status: 'FAILED',
      category: 'invalid-record',
      code: kind === 'soap' ? '20103' : '1004',
    });
    expect(missing[1]!.status).toBe('UPDATED');
  });

  it('a field Marketo does not have is refused naming it: the record alone over REST, the call over SOAP (attributes.pants)', async () => {
    const t = await start(kind);
    const records = [lead('ok@x.com'), lead('bad@x.com', { pants: 'yes' })];
    if (kind === 'rest') {
      const results = await t.send({ group: BY_EMAIL, records });
      expect(results[0]!.status).toBe('CREATED');
      expect(results[1]).toMatchObject({
        status: 'FAILED',
        category: 'invalid-record',
        field: 'attributes.pants',
      });
    } else {
      const error = await failure(t.send({ group: BY_EMAIL, records }));
      expect(error).toMatchObject({
        category: 'invalid-record',
        code: '20105',
        applied: 'not-applied',
        field: 'attributes.pants',
      });
      expect(error.fields).toEqual(['attributes.pants']);
    }
  });

  it('whole-call faults become categories: transient (not applied), throttle with a retry-after, quota, auth', async () => {
    const t = await start(kind);
    await t.send({ group: BY_EMAIL, records: [lead('warm@x.com')] });

    fixture().emulator.configure({ faults: { failNext: { calls: 1, effect: 10001 } } });
    const transient = await failure(t.send({ group: BY_EMAIL, records: [lead('t@x.com')] }));
    expect(transient).toMatchObject({ category: 'transient', applied: 'not-applied' });
    expect(transient.code).toBe(kind === 'soap' ? '10001' : '611');

    fixture().emulator.configure({ faults: { throttleBurst: { calls: 1, code: 20023 } } });
    const throttle = await failure(t.send({ group: BY_EMAIL, records: [lead('t@x.com')] }));
    expect(throttle).toMatchObject({ category: 'throttle', applied: 'not-applied' });
    expect(throttle.code).toBe(kind === 'soap' ? '20023' : '606');
    expect(throttle.retryAfterMs).toBeGreaterThan(0);

    fixture().emulator.configure({ faults: { throttleBurst: { calls: 1, code: 20024 } } });
    const concurrency = await failure(t.send({ group: BY_EMAIL, records: [lead('t@x.com')] }));
    expect(concurrency).toMatchObject({ category: 'throttle', applied: 'not-applied' });
    expect(concurrency.retryAfterMs).toBeGreaterThan(0);

    fixture().emulator.configure({ limits: { dailyQuota: 1 } });
    const quota = await failure(t.send({ group: BY_EMAIL, records: [lead('t@x.com')] }));
    expect(quota).toMatchObject({ category: 'quota', applied: 'not-applied' });
    fixture().emulator.configure({ limits: { dailyQuota: null } });

    const wrong =
      kind === 'soap'
        ? new SoapTransport({
            endpoint: fixture().emulator.endpoint,
            userId: fixture().credentials.userId,
            encryptionKey: 'wrong-key',
          })
        : open('rest', undefined, 'a-wrong-secret');
    if (kind === 'soap') transports.push(wrong);
    const auth = await failure(wrong.send({ group: BY_EMAIL, records: [lead('t@x.com')] }));
    expect(auth.category).toBe('auth');
    // REST: the Identity service refused the token, so the call itself was never sent.
    expect(auth.applied).toBe(kind === 'soap' ? 'not-applied' : 'not-sent');
    expect(auth.message).not.toContain('a-wrong-secret');
    expect(auth.message).not.toContain('wrong-key');
  });

  it('not sent (nothing listening) is not-sent; an answer lost after Marketo applied a create is indeterminate', async () => {
    await start(kind);
    const closed = open(kind, 'http://127.0.0.1:9');
    const refused = await failure(closed.send({ group: DUPLICATES, records: [lead('n@x.com')] }));
    expect(refused).toMatchObject({ category: 'transient', applied: 'not-sent' });

    const t = open(kind);
    await t.send({ group: BY_EMAIL, records: [lead('warm@x.com')] });
    for (const effect of ['apply-then-reset', 'apply-then-late'] as const) {
      const before = fixture().emulator.leads.size;
      fixture().emulator.configure({ faults: { failNext: { calls: 1, effect } } });
      const lost = await failure(t.send({ group: DUPLICATES, records: [lead(`${effect}@x.com`)] }));
      expect(lost.applied, effect).toBe('indeterminate');
      expect(policyRow(lost.category, lost.applied), effect).toBe('indeterminate');
      // It was applied once, and the transport did not send it again.
      expect(fixture().emulator.leads.size, effect).toBe(before + 1);
    }
  });

  it('abort: a call abandoned in flight says it may have been sent; one abandoned before it starts was not sent', async () => {
    const t = await start(kind);
    await t.send({ group: BY_EMAIL, records: [lead('warm@x.com')] });
    const early = new AbortController();
    early.abort();
    const before = await failure(
      t.send({ group: BY_EMAIL, records: [lead('e@x.com')] }, { signal: early.signal }),
    );
    expect(before.applied).toBe('not-sent');

    fixture().emulator.configure({ faults: { failNext: { calls: 1, effect: 'hang' } } });
    const late = new AbortController();
    const call = failure(t.send({ group: BY_EMAIL, records: [lead('h@x.com')] }, { signal: late.signal }));
    await new Promise((r) => setTimeout(r, 200));
    late.abort();
    const abandoned = await call;
    expect(abandoned.applied).toBe('indeterminate');
    expect(policyRow(abandoned.category, abandoned.applied)).toBe('indeterminate');
    expect(abandoned.code).toBe('aborted');
  });

  it('the largest call per group comes from the transport', async () => {
    const t = await start(kind);
    expect(t.maxRecords(BY_EMAIL)).toBe(300);
    expect(t.maxRecords(OPP_UPSERT)).toBe(kind === 'soap' ? 100 : 300);
    expect(t.maxRecords(parseGroupName('O:Program:UPDATE')!)).toBe(kind === 'soap' ? 100 : 1);
  });
});
