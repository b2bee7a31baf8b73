import type { StoredLead } from '../../src/buffer/types.js';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RestTransport, type RestTransportOptions } from '../../src/rest/client.js';
import { MarketoCallError, type TransportCall } from '../../src/transport/contract.js';
import { startFakeMarketo, type FakeMarketo } from './rest-fake-marketo.js';

/**
 * The REST client over real HTTP against a purpose-built stand-in that answers exactly what each case
 * needs (expired tokens, each fault, hangs and resets). Marketo's semantics are tested against the
 * emulator's REST mode in rest-emulator.test.ts.
 */

const schema = (name: string) =>
  z.fromJSONSchema(
    JSON.parse(
      readFileSync(join(import.meta.dirname, '../fixtures/rest-schemas', name), 'utf8'),
    ) as z.core.JSONSchema.JSONSchema,
  );
const leadsSchema = schema('client-sync-leads-request.json');
const objectsSchema = schema('client-sync-objects-request.json');
const programSchema = schema('client-update-program-form.json');
// The emulator helper's schemas of the same bodies, written independently: both must accept ours.
const emulatorLeadsSchema = schema('sync-leads-request.json');
const emulatorObjectsSchema = schema('sync-objects-request.json');
const emulatorProgramSchema = schema('update-program-request.json');

let fake: FakeMarketo;
const transports: RestTransport[] = [];
const transport = (extra: Partial<RestTransportOptions> = {}): RestTransport => {
  const t = new RestTransport({
    endpoint: `${fake.url}/rest`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
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
const emailLeads = (n: number, extra: Record<string, string> = {}): TransportCall => ({
  group: { kind: 'lead', key: 'Email', dedupEnabled: true },
  records: Array.from({ length: n }, (_, i) => ({
    Email: `lead${i}@example.com`,
    attributes: { FirstName: `L${i}`, ...extra },
  })),
});
const leadPosts = () => fake.apiRequests().filter((r) => r.path === '/rest/v1/leads.json');
const identityRequests = () => fake.requests.filter((r) => r.path === '/identity/oauth/token');

beforeEach(async () => {
  fake = await startFakeMarketo();
});
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await fake.close();
});

describe('lead groups over HTTP', () => {
  it('each group sends its action and lookupField, with bodies that match the schema', async () => {
    const t = transport();
    const calls: TransportCall[] = [
      {
        group: { kind: 'lead', key: 'Id', dedupEnabled: true },
        records: [{ Id: 5, attributes: { LastName: 'X' } }],
      },
      emailLeads(2),
      {
        group: { kind: 'lead', key: 'ForeignSysPersonId', dedupEnabled: true },
        records: [{ ForeignSysPersonId: 'C-1', ForeignSysType: 'CUSTOM', attributes: { FirstName: 'F' } }],
      },
      {
        group: { kind: 'lead', dedupEnabled: false },
        records: [{ Email: 'dup@example.com', attributes: {} }],
      },
    ];
    for (const call of calls) {
      const results = await t.send(call);
      expect(results).toHaveLength(call.records.length);
      expect(results.every((r) => r.status === 'CREATED' && /^\d+$/.test(r.id ?? ''))).toBe(true);
    }
    const bodies = leadPosts().map((r) => JSON.parse(r.body) as Record<string, unknown>);
    for (const body of bodies) {
      expect(leadsSchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
      expect(emulatorLeadsSchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
    }
    expect(bodies.map((b) => [b.action, b.lookupField])).toEqual([
      ['updateOnly', 'id'],
      ['createOrUpdate', 'email'],
      ['createOrUpdate', 'crmContactId'],
      ['createDuplicate', undefined],
    ]);
    expect(bodies[0]!.input).toEqual([{ id: 5, lastName: 'X' }]);
    expect(bodies[2]!.input).toEqual([{ crmContactId: 'C-1', firstName: 'F' }]);
  });

  it('sends the token in the Authorization header only, and the secret only to Identity', async () => {
    await transport().send(emailLeads(1));
    for (const r of fake.apiRequests()) {
      expect(r.headers.authorization).toMatch(/^Bearer tok-\d+$/);
      expect(r.query.has('access_token')).toBe(false);
      expect(`${r.path}?${r.query.toString()}${r.body}`).not.toContain(fake.clientSecret);
    }
    expect(leadPosts()[0]!.headers['content-type']).toBe('application/json');
  });

  it('a field the instance does not have fails that record only, naming it; the others are sent', async () => {
    const call = emailLeads(3);
    (call.records[1] as { attributes: Record<string, string> }).attributes.Pants = 'blue';
    const results = await transport().send(call);
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'FAILED', 'CREATED']);
    expect(results[1]).toMatchObject({ category: 'invalid-record', field: 'attributes.Pants' });
    expect((JSON.parse(leadPosts()[0]!.body) as { input: unknown[] }).input).toHaveLength(2);
  });

  it('Describe is cached, and read again when an unknown name appears (at most every refreshMinMs)', async () => {
    const t = transport({ describe: { refreshMinMs: 0 } });
    await t.send(emailLeads(1));
    await t.send(emailLeads(1));
    expect(t.describeCalls).toBe(1);
    await t.send(emailLeads(1, { Pants: 'blue' }));
    expect(t.describeCalls).toBe(2);
  });
});

describe('tokens', () => {
  it('a token that expires mid-run is renewed once and the call resent at once; the next call reuses it', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    expect(identityRequests()).toHaveLength(1);
    // Marketo's clock says the token has expired while ours does not: the next call meets 602.
    for (const token of fake.tokens.keys()) fake.tokens.set(token, Date.now() - 1);
    const results = await t.send(emailLeads(2));
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'CREATED']);
    expect(identityRequests()).toHaveLength(2);
    expect(t.tokenStats.forcedRenewals).toBe(1);
    expect(leadPosts()).toHaveLength(3); // 1 + the refused one + its resend
    await t.send(emailLeads(1));
    expect(identityRequests()).toHaveLength(2);
  });

  it('calls in flight when the token expires share one renewal', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    for (const token of fake.tokens.keys()) fake.tokens.set(token, Date.now() - 1);
    const results = await Promise.all([t.send(emailLeads(1)), t.send(emailLeads(1)), t.send(emailLeads(1))]);
    expect(results.flat().every((r) => r.status === 'CREATED')).toBe(true);
    expect(identityRequests()).toHaveLength(2);
  });

  it('asks Identity ahead of expiry, and not again once it answers the same token', async () => {
    fake.tokenTtlSec = 30; // below the 60 s margin: the client asks again before its next request
    const t = transport();
    await t.send(emailLeads(1)); // Describe + Sync Leads
    await t.send(emailLeads(1));
    // First token; one early renewal, which returns the same token (Marketo's documented behaviour); no more.
    expect(identityRequests()).toHaveLength(2);
    expect(new Set(fake.apiRequests().map((r) => r.headers.authorization)).size).toBe(1);
    expect(t.tokenStats.forcedRenewals).toBe(0);
  });

  it('a caller giving up while the token is fetched does not end the fetch for the others', async () => {
    fake.identityDelayMs = 500;
    const t = transport();
    const controller = new AbortController();
    const quitter = t.send(emailLeads(1), { signal: controller.signal });
    const stayer = t.send(emailLeads(1));
    setTimeout(() => controller.abort(), 100);
    expect(await thrown(quitter)).toMatchObject({ code: 'aborted', applied: 'not-sent' });
    expect((await stayer)[0]!.status).toBe('CREATED');
    expect(identityRequests()).toHaveLength(1);
    expect(leadPosts()).toHaveLength(1);
  });

  it('expires_in 0 from Identity is renewed once before use', async () => {
    fake.zeroExpiryNext = 1;
    const t = transport();
    expect((await t.send(emailLeads(1)))[0]!.status).toBe('CREATED');
    expect(identityRequests()).toHaveLength(2);
    expect(leadPosts()).toHaveLength(1);
  });

  it('a token refused again after renewal reaches the caller as re-auth, not applied', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    const refuse = { json: { success: false, errors: [{ code: '601', message: 'Access token invalid' }] } };
    fake.queue.push(refuse, refuse);
    const error = await thrown(t.send(emailLeads(1)));
    expect(error).toMatchObject({ category: 're-auth', code: '601', applied: 'not-applied' });
    expect(identityRequests()).toHaveLength(2);
  });

  it('wrong credentials: auth, not sent, and the secret is in no message', async () => {
    const error = await thrown(transport({ clientSecret: 'wrong-secret-value-99' }).send(emailLeads(1)));
    expect(error).toMatchObject({ category: 'auth', code: 'http:401', applied: 'not-sent' });
    expect(error.message).toContain('MARKETO_CLIENT_SECRET');
    expect(error.message).not.toContain('wrong-secret-value-99');
    expect(leadPosts()).toHaveLength(0);
  });
});

describe('faults → categories', () => {
  const fault = (code: string) => ({
    json: { requestId: 'x', success: false, errors: [{ code, message: `m${code}` }] },
  });
  it.each([
    ['606', 'throttle', 'not-applied', 20_000],
    ['615', 'throttle', 'not-applied', 1_000],
    ['607', 'quota', 'not-applied', undefined],
    ['604', 'transient', 'indeterminate', undefined],
    ['608', 'transient', 'not-applied', undefined],
    ['611', 'transient', 'not-applied', undefined],
    ['713', 'transient', 'not-applied', undefined],
    ['603', 'auth', 'not-applied', undefined],
    ['609', 'invalid-request', 'not-applied', undefined],
    ['709', 'invalid-record', 'not-applied', undefined],
    ['502', 'transient', 'indeterminate', undefined],
  ])('call-level %s → %s (%s)', async (code, category, applied, retryAfterMs) => {
    const t = transport();
    // The field table first, so that the fault meets the records' own request (not the Describe).
    await t.send(emailLeads(1));
    fake.queue.push(fault(code));
    const error = await thrown(t.send(emailLeads(2)));
    expect(error).toMatchObject({ category, code, applied });
    expect(error.retryAfterMs).toBe(retryAfterMs);
  });

  it.each([
    [413, 'invalid-record', 'not-applied'],
    [502, 'transient', 'indeterminate'],
    [503, 'transient', 'not-applied'],
  ])('HTTP %s without a Marketo answer → %s (%s)', async (status, category, applied) => {
    const t = transport();
    await t.send(emailLeads(1));
    fake.queue.push({ status, text: '<html>proxy says no</html>' });
    expect(await thrown(t.send(emailLeads(1)))).toMatchObject({ category, applied, httpStatus: status });
  });

  it('a caller that is stopping (SIGTERM) gets no further request of the call: not sent', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    const before = leadPosts().length;
    const stopping = new AbortController();
    stopping.abort();
    const error = await thrown(t.send(emailLeads(2), { stopping: stopping.signal }));
    expect(error).toMatchObject({ category: 'transient', code: 'stopping', applied: 'not-sent' });
    expect(leadPosts()).toHaveLength(before);
  });

  it('a Describe that meets a 502 leaves the records not sent: a create among them may go again', async () => {
    const t = transport();
    fake.queue.push({ status: 502, text: '<html>proxy says no</html>' });
    const records = emailLeads(1).records as StoredLead[];
    const error = await thrown(t.send({ group: { kind: 'lead', dedupEnabled: false }, records }));
    expect(error).toMatchObject({ category: 'transient', applied: 'not-sent', httpStatus: 502 });
    expect(leadPosts()).toHaveLength(0);
  });

  it('per-record reasons map to SKIPPED or FAILED with code and category', async () => {
    fake.handlers.set('/rest/v1/leads.json', () => ({
      json: {
        success: true,
        result: [
          { id: 1, status: 'updated' },
          { status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
          {
            status: 'skipped',
            reasons: [{ code: '1007', message: 'Multiple leads match the lookup criteria' }],
          },
        ],
      },
    }));
    const results = await transport().send(emailLeads(3));
    expect(results.map((r) => [r.status, r.code, r.category])).toEqual([
      ['UPDATED', null, null],
      ['FAILED', '1004', 'invalid-record'],
      ['FAILED', '1007', 'invalid-record'],
    ]);
  });
});

describe('not sent vs indeterminate', () => {
  it('connection refused: not sent', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const t = new RestTransport({ endpoint: `http://127.0.0.1:${port}`, clientId: 'a', clientSecret: 'b' });
    transports.push(t);
    expect(await thrown(t.send(emailLeads(1)))).toMatchObject({
      category: 'transient',
      code: 'ECONNREFUSED',
      applied: 'not-sent',
    });
  });

  it('no answer within the response timeout after sending: indeterminate', async () => {
    const t = transport({ responseTimeoutMs: 300 });
    await t.send(emailLeads(1));
    fake.queue.push({ action: 'hang' });
    expect(await thrown(t.send(emailLeads(1)))).toMatchObject({
      code: 'response-timeout',
      applied: 'indeterminate',
    });
  });

  it('a connection reset after the request was read: indeterminate', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    fake.queue.push({ action: 'reset' });
    expect(await thrown(t.send(emailLeads(1)))).toMatchObject({
      category: 'transient',
      applied: 'indeterminate',
    });
  });

  it('abandoned by the caller: not sent before sending, indeterminate while waiting', async () => {
    const t = transport();
    await t.send(emailLeads(1));
    expect(await thrown(t.send(emailLeads(1), { signal: AbortSignal.abort() }))).toMatchObject({
      code: 'aborted',
      applied: 'not-sent',
    });
    fake.queue.push({ action: 'hang' });
    const controller = new AbortController();
    const pending = t.send(emailLeads(1), { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await thrown(pending)).toMatchObject({ code: 'aborted', applied: 'indeterminate' });
  });
});

describe('kept-alive sockets', () => {
  it('an idle socket is closed by the client; a slow answer on a socket in use is still awaited', async () => {
    const t = transport({ idleSocketTimeoutMs: 200 });
    await t.send(emailLeads(1));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(fake.openConnections()).toBe(0);
    fake.queue.push({ json: { success: true, result: [{ id: 7, status: 'updated' }] }, delayMs: 1_000 });
    expect((await t.send(emailLeads(1)))[0]).toMatchObject({ status: 'UPDATED', id: '7' });
  });
});

describe('bodies under the size limit', () => {
  it('a group too large for one body goes in several requests, each under the limit, results in order', async () => {
    const t = transport({ maxBodyBytes: 2_000 });
    const call = emailLeads(12, { LastName: 'x'.repeat(300) });
    const results = await t.send(call);
    expect(results).toHaveLength(12);
    expect(results.every((r) => r.status === 'CREATED')).toBe(true);
    expect(results.map((r) => Number(r.id))).toEqual(
      [...results.map((r) => Number(r.id))].sort((a, b) => a - b),
    );
    expect(leadPosts().length).toBeGreaterThan(2);
    for (const r of leadPosts()) expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(2_000);
  });

  it('a record too large alone fails alone', async () => {
    const call = emailLeads(3);
    (call.records[1] as { attributes: Record<string, string> }).attributes.LastName = 'y'.repeat(5_000);
    const results = await transport({ maxBodyBytes: 2_000 }).send(call);
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'FAILED', 'CREATED']);
  });

  it('when a later request fails, the error carries the results of the records before it', async () => {
    const t = transport({ maxBodyBytes: 2_000 });
    await t.send(emailLeads(1));
    let n = 0;
    fake.handlers.set('/rest/v1/leads.json', (req) => {
      const input = (JSON.parse(req.body) as { input: unknown[] }).input;
      return n++ === 0
        ? { json: { success: true, result: input.map((_, i) => ({ id: 900 + i, status: 'created' })) } }
        : { json: { success: false, errors: [{ code: '606', message: 'rate' }] } };
    });
    const error = await thrown(t.send(emailLeads(12, { LastName: 'x'.repeat(300) })));
    expect(error.category).toBe('throttle');
    expect(error.settled.length).toBeGreaterThan(0);
    expect(error.settled.every((r) => r.status === 'CREATED')).toBe(true);
  });
});

describe('admission of the further requests of a call (the shared rate limit)', () => {
  it('asks admitRequest once per request after the first, not for the resend after a token renewal', async () => {
    let admitted = 0;
    const t = transport({
      maxBodyBytes: 2_000,
      admitRequest: async () => {
        admitted++;
        return true;
      },
    });
    await t.send(emailLeads(1));
    expect(admitted).toBe(0);
    const before = leadPosts().length;
    // The first request of the next call meets 602: renewed and resent under the same admission.
    for (const token of fake.tokens.keys()) fake.tokens.set(token, Date.now() - 1);
    const results = await t.send(emailLeads(12, { LastName: 'x'.repeat(300) }));
    expect(results.every((r) => r.status === 'CREATED')).toBe(true);
    expect(t.tokenStats.forcedRenewals).toBe(1);
    const requests = leadPosts().length - before - 1; // less the one refused with 602
    expect(requests).toBeGreaterThan(2);
    expect(admitted).toBe(requests - 1);
  });

  it('a request refused admission (the caller is stopping) is not sent; the records before it keep their results', async () => {
    const t = transport({ maxBodyBytes: 2_000, admitRequest: async () => false });
    await t.send(emailLeads(1));
    const before = leadPosts().length;
    const error = await thrown(t.send(emailLeads(12, { LastName: 'x'.repeat(300) })));
    expect(error.code).toBe('stopping');
    expect(error.applied).toBe('not-sent');
    expect(leadPosts().length - before).toBe(1);
    expect(error.settled.length).toBeGreaterThan(0);
    expect(error.settled.length).toBeLessThan(12);
    expect(error.settled.every((r) => r.status === 'CREATED')).toBe(true);
  });
});

describe('objects and programs over HTTP', () => {
  it('opportunities: dedupeBy from the key, results matched by seq even out of order', async () => {
    const results = await transport().send({
      group: { kind: 'object', type: 'Opportunity', operation: 'UPSERT' },
      records: ['A', 'B', 'C'].map((k) => ({
        type: 'Opportunity',
        externalKey: { name: 'crmOpportunityId', value: `OPP-${k}` },
        attributes: { Name: k, Amount: '10' },
      })),
    });
    expect(results.map((r) => r.id)).toEqual(['guid-0', 'guid-1', 'guid-2']);
    const request = fake.apiRequests().find((r) => r.path === '/rest/v1/opportunities.json')!;
    const body = JSON.parse(request.body) as Record<string, unknown>;
    expect(objectsSchema.safeParse(body).success).toBe(true);
    expect(emulatorObjectsSchema.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({ action: 'createOrUpdate', dedupeBy: 'dedupeFields' });
  });

  it('roles: INSERT → createOnly on the roles endpoint', async () => {
    const results = await transport().send({
      group: { kind: 'object', type: 'OpportunityPersonRole', operation: 'INSERT' },
      records: [
        {
          type: 'OpportunityPersonRole',
          attributes: { PersonId: '7', Role: 'Buyer' },
          associations: [{ mObjType: 'Opportunity', externalKey: { name: 'k', value: 'OPP-A' } }],
        },
      ],
    });
    expect(results[0]).toMatchObject({ status: 'UPDATED', id: 'role-0' });
    const body = JSON.parse(fake.apiRequests().find((r) => r.path.endsWith('/roles.json'))!.body) as object;
    expect(objectsSchema.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({
      action: 'createOnly',
      input: [{ externalOpportunityId: 'OPP-A', leadId: 7, role: 'Buyer' }],
    });
  });

  it('programs: one form-encoded request per program; what REST cannot express fails that program alone', async () => {
    const results = await transport().send({
      group: { kind: 'object', type: 'Program', operation: 'UPDATE' },
      records: [
        {
          type: 'Program',
          id: 1001,
          typeAttributes: [{ attrType: 'Cost', attributes: { Month: '2026-11', Amount: '2500' } }],
        },
        {
          type: 'Program',
          id: 1002,
          typeAttributes: [{ attrType: 'Cost', attributes: { Id: '3001', Month: '2026-11', Amount: '1' } }],
        },
        {
          type: 'Program',
          id: 1003,
          typeAttributes: [{ attrType: 'Tag', attributes: { Type: 'Region', Value: 'EMEA' } }],
        },
      ],
    });
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['UPDATED', '1001'],
      ['FAILED', null],
      ['UPDATED', '1003'],
    ]);
    expect(results[1]!.field).toBe('typeAttributes.0.attributes.Id');
    const posts = fake.apiRequests().filter((r) => r.path.startsWith('/rest/asset/v1/program/'));
    expect(posts.map((r) => r.path)).toEqual([
      '/rest/asset/v1/program/1001.json',
      '/rest/asset/v1/program/1003.json',
    ]);
    for (const r of posts) {
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const form = Object.fromEntries(new URLSearchParams(r.body));
      const decoded = {
        ...form,
        ...(form.costs ? { costs: JSON.parse(form.costs) as unknown } : {}),
        ...(form.tags ? { tags: JSON.parse(form.tags) as unknown } : {}),
      };
      expect(programSchema.safeParse(decoded).success, r.body).toBe(true);
      expect(emulatorProgramSchema.safeParse(decoded).success, r.body).toBe(true);
    }
  });
});
