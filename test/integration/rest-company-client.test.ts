import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RestTransport } from '../../src/rest/client.js';
import { MarketoCallError, type TransportCall } from '../../src/transport/contract.js';
import { startFakeMarketo, type FakeAnswer, type FakeMarketo } from './rest-fake-marketo.js';

/**
 * The REST client's Sync Companies against a scripted stand-in: a batch naming some companies by
 * `externalCompanyId` and some by Marketo's id goes as one request per `dedupeBy`, each body valid by
 * the project's schema, the results in the batch's order; a failure of the second request settles
 * only what is known before the first unknown record.
 */

const schema = z.fromJSONSchema(
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../fixtures/rest-schemas/client-sync-companies-request.json'),
      'utf8',
    ),
  ) as Parameters<typeof z.fromJSONSchema>[0],
);
const ok = (result: unknown[]): FakeAnswer => ({ json: { requestId: 'fake#c', success: true, result } });
const DESCRIBE = [
  {
    name: 'Company',
    idField: 'id',
    dedupeFields: ['externalCompanyId'],
    fields: [
      { name: 'id', dataType: 'integer', updateable: false },
      { name: 'externalCompanyId', dataType: 'string', length: 100, updateable: false },
      { name: 'company', dataType: 'string', updateable: true },
      { name: 'industry', dataType: 'string', updateable: true },
    ],
  },
];

let fake: FakeMarketo;
let t: RestTransport | undefined;
beforeEach(async () => {
  fake = await startFakeMarketo();
  fake.handlers.set('/rest/v1/companies/describe.json', () => ok(DESCRIBE));
  t = new RestTransport({
    endpoint: `${fake.url}/rest`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  });
});
afterEach(async () => {
  t?.close();
  await fake.close();
});

const mixed: TransportCall = {
  group: { kind: 'object', type: 'Company', operation: 'UPDATE' },
  records: [
    {
      type: 'Company',
      externalKey: { name: 'externalCompanyId', value: 'A' },
      attributes: { industry: 'Tools' },
    },
    { type: 'Company', id: 7, attributes: { company: 'Seven' } },
    {
      type: 'Company',
      externalKey: { name: 'externalCompanyId', value: 'B' },
      attributes: { industry: 'Rail' },
    },
  ],
};
const posts = () => fake.apiRequests().filter((r) => r.path === '/rest/v1/companies.json');

describe('Sync Companies from the REST client', () => {
  it('sends a batch mixing key and id as one request per dedupeBy, results in the batch order', async () => {
    let id = 500;
    fake.handlers.set('/rest/v1/companies.json', (req) => {
      const input = (JSON.parse(req.body) as { input: unknown[] }).input;
      return ok(input.map((_, seq) => ({ seq, status: 'updated', id: id++ })));
    });
    const results = await t!.send(mixed);
    const bodies = posts().map((r) => JSON.parse(r.body) as Record<string, unknown>);
    for (const body of bodies) expect(schema.safeParse(body).success, JSON.stringify(body)).toBe(true);
    expect(bodies).toEqual([
      {
        action: 'updateOnly',
        dedupeBy: 'dedupeFields',
        input: [
          { externalCompanyId: 'A', industry: 'Tools' },
          { externalCompanyId: 'B', industry: 'Rail' },
        ],
      },
      { action: 'updateOnly', dedupeBy: 'idField', input: [{ id: 7, company: 'Seven' }] },
    ]);
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['UPDATED', '500'],
      ['UPDATED', '502'],
      ['UPDATED', '501'],
    ]);
  });

  it('settles only the records before the first unknown one when the second request fails', async () => {
    fake.handlers.set('/rest/v1/companies.json', (req) => {
      const body = JSON.parse(req.body) as { dedupeBy: string; input: unknown[] };
      if (body.dedupeBy === 'idField') return { action: 'reset' };
      return ok(body.input.map((_, seq) => ({ seq, status: 'updated', id: 600 + seq })));
    });
    let error: unknown;
    try {
      await t!.send(mixed);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarketoCallError);
    // Record 0 is known; record 1 (by id) is not, so record 2, known, goes again (an update).
    expect((error as MarketoCallError).settled.map((r) => [r.status, r.id])).toEqual([['UPDATED', '600']]);
    expect(posts().map((r) => (JSON.parse(r.body) as { dedupeBy: string }).dedupeBy)).toEqual([
      'dedupeFields',
      'idField',
    ]);
  });
});
