import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { RestTransport, type RestTransportOptions } from '../../src/rest/client.js';
import { MarketoCallError, type TransportCall } from '../../src/transport/contract.js';

/** The REST client against the emulator's REST mode over HTTP: Marketo's semantics, tokens, faults, limits. */

let emulator: Emulator;
let credentials: { clientId: string; clientSecret: string };
const transports: RestTransport[] = [];
const transport = (extra: Partial<RestTransportOptions> = {}): RestTransport => {
  const t = new RestTransport({
    endpoint: `${emulator.restEndpoint}/rest`,
    ...credentials,
    foreignIdField: 'crmContactId',
    ...extra,
  });
  transports.push(t);
  return t;
};
const thrown = async (p: Promise<unknown>): Promise<MarketoCallError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof MarketoCallError) return error;
    throw error;
  }
  throw new Error('expected a MarketoCallError');
};
const byEmail = (emails: string[], attributes: Record<string, string> = {}): TransportCall => ({
  group: { kind: 'lead', key: 'Email', dedupEnabled: true },
  records: emails.map((Email) => ({ Email, attributes: { ...attributes } })),
});
const restCalls = () => emulator.calls.since().filter((c) => c.transport === 'rest');
const apiCalls = () => restCalls().filter((c) => c.operation !== 'identity');
const identityCalls = () => restCalls().filter((c) => c.operation === 'identity');

beforeEach(async () => {
  credentials = {
    clientId: `client-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(16).toString('hex'),
  };
  emulator = await startEmulator({
    userId: 'u',
    encryptionKey: 'k',
    rest: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
  });
});
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await emulator.close();
});

describe('each lead action against the emulator', () => {
  it('Email: createOrUpdate creates, then updates the same lead, with SOAP names mapped to REST', async () => {
    const t = transport();
    const first = await t.send(byEmail(['ada@example.com'], { FirstName: 'Ada', LeadScore: '40' }));
    expect(first[0]).toMatchObject({ status: 'CREATED', category: null });
    const second = await t.send(byEmail(['ada@example.com'], { LastName: 'Lovelace' }));
    expect(second[0]).toMatchObject({ status: 'UPDATED', id: first[0]!.id });
    const lead = emulator.leads.get(Number(first[0]!.id));
    expect(lead?.attributes).toMatchObject({ FirstName: 'Ada', LastName: 'Lovelace', LeadScore: '40' });
    expect(
      apiCalls()
        .filter((c) => c.operation === 'syncLeads')
        .map((c) => [c.action, c.lookupField]),
    ).toEqual([
      ['createOrUpdate', 'email'],
      ['createOrUpdate', 'email'],
    ]);
  });

  it('Id: updateOnly by id; an id Marketo does not have FAILED with 1004 (as SOAP 20103)', async () => {
    const t = transport();
    const [created] = await t.send(byEmail(['grace@example.com']));
    const results = await t.send({
      group: { kind: 'lead', key: 'Id', dedupEnabled: true },
      records: [
        { Id: Number(created!.id), attributes: { Title: 'Rear Admiral' } },
        { Id: 99_999_999, attributes: { Title: 'Nobody' } },
      ],
    });
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['UPDATED', null],
      ['FAILED', '1004'],
    ]);
    expect(emulator.leads.get(Number(created!.id))?.attributes.Title).toBe('Rear Admiral');
  });

  it('ForeignSysPersonId: createOrUpdate on the configured custom field', async () => {
    const t = transport();
    const call: TransportCall = {
      group: { kind: 'lead', key: 'ForeignSysPersonId', dedupEnabled: true },
      records: [
        { ForeignSysPersonId: 'CRM-7', ForeignSysType: 'CUSTOM', Email: 'alan@example.com', attributes: {} },
      ],
    };
    const [created] = await t.send(call);
    const [again] = await t.send(call);
    expect([created!.status, again!.status]).toEqual(['CREATED', 'UPDATED']);
    expect(again!.id).toBe(created!.id);
    expect(apiCalls().filter((c) => c.operation === 'syncLeads')[0]).toMatchObject({
      action: 'createOrUpdate',
      lookupField: 'crmContactId',
    });
  });

  it('dedupEnabled false: createDuplicate creates a new lead each time', async () => {
    const t = transport();
    const call: TransportCall = {
      group: { kind: 'lead', dedupEnabled: false },
      records: [{ Email: 'twin@example.com', attributes: {} }],
    };
    const [a] = await t.send(call);
    const [b] = await t.send(call);
    expect([a!.status, b!.status]).toEqual(['CREATED', 'CREATED']);
    expect(a!.id).not.toBe(b!.id);
  });

  it('a field the instance does not have fails its record only, naming it; no call-level cascade', async () => {
    const results = await transport().send({
      group: { kind: 'lead', key: 'Email', dedupEnabled: true },
      records: [
        { Email: 'a@example.com', attributes: { FirstName: 'A' } },
        { Email: 'b@example.com', attributes: { Pants: 'blue' } },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'FAILED']);
    expect(results[1]).toMatchObject({ field: 'attributes.Pants', category: 'invalid-record' });
  });
});

describe('tokens against the emulator', () => {
  it('a token expiring mid-run is renewed once and the call resent: no record lost, nothing thrown', async () => {
    const t = transport();
    await t.send(byEmail(['warm@example.com']));
    expect(emulator.expireRestToken()).toBe(true);
    const results = await t.send(byEmail(['after-expiry@example.com']));
    expect(results[0]!.status).toBe('CREATED');
    expect(t.tokenStats.forcedRenewals).toBe(1);
    const leadCalls = apiCalls().filter((c) => c.operation === 'syncLeads');
    expect(leadCalls.map((c) => c.faultCode ?? c.status)).toEqual(['ok', 602, 'ok']);
    expect(identityCalls()).toHaveLength(2);
  });

  it('three workers through one expiry: each renews once, every record lands once', async () => {
    const workers = [transport(), transport(), transport()];
    await Promise.all(workers.map((w, i) => w.send(byEmail([`w${i}-0@example.com`]))));
    const tokensBefore = identityCalls().length;
    emulator.expireRestToken();
    const results = await Promise.all(
      workers.map((w, i) => w.send(byEmail([`w${i}-1@example.com`, `w${i}-2@example.com`]))),
    );
    expect(results.flat().every((r) => r.status === 'CREATED')).toBe(true);
    expect(workers.map((w) => w.tokenStats.forcedRenewals)).toEqual([1, 1, 1]);
    expect(identityCalls().length - tokensBefore).toBe(3);
    expect(emulator.leads.all().length).toBe(9);
  });

  it('short-lived tokens over a run: renewed ahead or on refusal, never an error', async () => {
    emulator.configure({ rest: { tokenTtlSeconds: 0.4 } });
    const t = transport({ renewAheadMs: 0 });
    const ids = new Set<string>();
    for (let i = 0; i < 8; i++) {
      for (const r of await t.send(byEmail([`run${i}@example.com`]))) ids.add(r.id!);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(ids.size).toBe(8);
    expect(emulator.leads.all().length).toBe(8);
  });

  it('expires_in 0 from Identity: asked again before use', async () => {
    emulator.configure({ rest: { faults: { expiresInZero: 1 } } });
    const t = transport();
    expect((await t.send(byEmail(['zero@example.com'])))[0]!.status).toBe('CREATED');
    expect(identityCalls()).toHaveLength(2);
  });

  it('wrong credentials: auth, nothing sent, the secret in no message', async () => {
    const error = await thrown(
      transport({ clientSecret: 'not-the-secret-123' }).send(byEmail(['x@example.com'])),
    );
    expect(error).toMatchObject({ category: 'auth', applied: 'not-sent' });
    expect(error.message).not.toContain('not-the-secret-123');
    expect(apiCalls()).toHaveLength(0);
  });
});

describe('opportunities, roles, programs against the emulator', () => {
  it('opportunities and their roles: created, then updated, marketoGUID as the id', async () => {
    const t = transport();
    const [lead] = await t.send(byEmail(['buyer@example.com']));
    const opportunity = (value: string, name: string) => ({
      type: 'Opportunity',
      externalKey: { name: 'crmOpportunityId', value },
      attributes: { Name: name, Stage: 'Proposal', Amount: '48000' },
      associations: [{ mObjType: 'Company', externalKey: { name: 'crmAccountId', value: 'ACME-001' } }],
    });
    const created = await t.send({
      group: { kind: 'object', type: 'Opportunity', operation: 'UPSERT' },
      records: [opportunity('OPP-1', 'Renewal'), opportunity('OPP-2', 'Expansion')],
    });
    expect(created.map((r) => r.status)).toEqual(['CREATED', 'CREATED']);
    expect(created.every((r) => typeof r.id === 'string' && r.id.length > 10)).toBe(true);
    const updated = await t.send({
      group: { kind: 'object', type: 'Opportunity', operation: 'UPDATE' },
      records: [opportunity('OPP-1', 'Renewal 2027')],
    });
    expect(updated[0]).toMatchObject({ status: 'UPDATED', id: created[0]!.id });
    const role = await t.send({
      group: { kind: 'object', type: 'OpportunityPersonRole', operation: 'UPSERT' },
      records: [
        {
          type: 'OpportunityPersonRole',
          attributes: { PersonId: lead!.id!, Role: 'Decision Maker', IsPrimary: 'true' },
          associations: [
            { mObjType: 'Opportunity', externalKey: { name: 'crmOpportunityId', value: 'OPP-1' } },
          ],
        },
      ],
    });
    expect(role[0]!.status).toBe('CREATED');
    expect(apiCalls().map((c) => c.operation)).toContain('syncOpportunityRoles');
  });

  it('program costs and tags: one program per call; an unknown program fails alone', async () => {
    const results = await transport().send({
      group: { kind: 'object', type: 'Program', operation: 'UPDATE' },
      records: [
        {
          type: 'Program',
          id: 1001,
          typeAttributes: [
            { attrType: 'Cost', attributes: { Month: '2026-11', Amount: '2500', Note: 'Webinar platform' } },
            { attrType: 'Tag', attributes: { Type: 'Region', Value: 'EMEA' } },
          ],
        },
        {
          type: 'Program',
          id: 9999,
          typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: '1' } }],
        },
        {
          type: 'Program',
          id: 1003,
          typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-12', Amount: '18000' } }],
        },
      ],
    });
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['UPDATED', '1001'],
      ['FAILED', '9999'],
      ['UPDATED', '1003'],
    ]);
    expect(results[1]).toMatchObject({ code: '702', category: 'invalid-record' });
    const programCalls = apiCalls().filter((c) => c.operation === 'updateProgram');
    expect(programCalls.map((c) => [c.programId, c.recordCount])).toEqual([
      [1001, 1],
      [9999, 1],
      [1003, 1],
    ]);
  });
});

describe('faults in REST terms → categories', () => {
  it.each([
    [606, 'throttle'],
    [615, 'throttle'],
    [607, 'quota'],
    [608, 'transient'],
    [611, 'transient'],
    [713, 'transient'],
  ] as const)('%s → %s, not applied', async (code, category) => {
    const t = transport();
    await t.send(byEmail(['warm@example.com']));
    emulator.configure({ rest: { faults: { failNext: { calls: 1, code } } } });
    const error = await thrown(t.send(byEmail(['f@example.com'])));
    expect(error).toMatchObject({ category, code: String(code), applied: 'not-applied' });
    expect(emulator.leads.all()).toHaveLength(1);
  });

  it('604 (request time-out) → transient, indeterminate: a timed-out call may have written part of it', async () => {
    const t = transport();
    await t.send(byEmail(['warm@example.com']));
    emulator.configure({ rest: { faults: { failNext: { calls: 1, code: 604 } } } });
    const error = await thrown(t.send(byEmail(['f@example.com'])));
    expect(error).toMatchObject({ category: 'transient', code: '604', applied: 'indeterminate' });
  });

  it.each([
    [502, 'indeterminate'],
    [503, 'not-applied'],
  ] as const)('HTTP %s → transient, %s', async (effect, applied) => {
    const t = transport();
    await t.send(byEmail(['warm@example.com']));
    emulator.configure({ faults: { failNext: { calls: 1, effect } } });
    expect(await thrown(t.send(byEmail(['f@example.com'])))).toMatchObject({
      category: 'transient',
      applied,
    });
  });

  it('applied, then the answer lost: indeterminate — and the lead does exist', async () => {
    const t = transport();
    await t.send(byEmail(['warm@example.com']));
    emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const error = await thrown(
      t.send({
        group: { kind: 'lead', dedupEnabled: false },
        records: [{ Email: 'dup@example.com', attributes: {} }],
      }),
    );
    expect(error).toMatchObject({ category: 'transient', applied: 'indeterminate' });
    expect(emulator.leads.all().map((l) => l.attributes.Email)).toContain('dup@example.com');
  });

  it('a hung call ends at the response timeout as indeterminate', async () => {
    const t = transport({ responseTimeoutMs: 400 });
    await t.send(byEmail(['warm@example.com']));
    emulator.configure({ faults: { failNext: { calls: 1, effect: 'hang' } } });
    expect(await thrown(t.send(byEmail(['h@example.com'])))).toMatchObject({
      code: 'response-timeout',
      applied: 'indeterminate',
    });
  });
});

describe('limits, proven from the call log', () => {
  it('300 leads of 5 KB each go in bodies under 1 MB, at most 300 records a call, never a 413', async () => {
    const emails = Array.from({ length: 300 }, (_, i) => `big${i}@example.com`);
    const results = await transport().send(byEmail(emails, { Address: 'z'.repeat(5_000) }));
    expect(results.every((r) => r.status === 'CREATED')).toBe(true);
    const calls = apiCalls().filter((c) => c.operation === 'syncLeads');
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((c) => c.httpStatus === 200 && c.recordCount <= 300)).toBe(true);
    expect(calls.reduce((n, c) => n + c.recordCount, 0)).toBe(300);
    expect(emulator.leads.all()).toHaveLength(300);
  });
});
