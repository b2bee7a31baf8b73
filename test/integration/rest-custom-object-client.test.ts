import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestTransport } from '../../src/rest/client.js';
import { MarketoCallError, type TransportCall } from '../../src/transport/contract.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';
import { startFakeMarketo, type FakeAnswer, type FakeMarketo } from './rest-fake-marketo.js';

/**
 * The REST client's custom object calls against a scripted stand-in that checks each request body
 * against the project's schemas (written from Adobe's Swagger facts): a batch naming some records by
 * marketoGUID and some by dedupe field goes as one request per dedupeBy; a delete sends deleteBy and
 * the keys only; a 1018 answer is a read-only call failure settling only the records before it.
 */

const syncSchema = restSchema('client-sync-custom-objects-request');
const deleteSchema = restSchema('client-delete-custom-objects-request');
const ok = (result: unknown[]): FakeAnswer => ({ json: { requestId: 'fake#co', success: true, result } });
const DESCRIBE = [
  {
    name: 'car_c',
    idField: 'marketoGUID',
    dedupeFields: ['vin'],
    relationships: [{ field: 'leadId', type: 'parent', object: { name: 'Lead', field: 'id' } }],
    fields: [
      { name: 'marketoGUID', dataType: 'string', updateable: false },
      { name: 'vin', dataType: 'string', updateable: false },
      { name: 'year', dataType: 'integer', updateable: true },
      { name: 'leadId', dataType: 'link', updateable: true },
    ],
  },
];

let fake: FakeMarketo;
let t: RestTransport | undefined;
beforeEach(async () => {
  fake = await startFakeMarketo();
  fake.handlers.set('/rest/v1/customobjects/car_c/describe.json', () => ok(DESCRIBE));
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

const bodies = (path: string) =>
  fake
    .apiRequests()
    .filter((r) => r.path === path)
    .map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe('Sync and Delete Custom Objects from the REST client', () => {
  it('sends a batch mixing marketoGUID and dedupe field as one request per dedupeBy, valid by the schema', async () => {
    fake.handlers.set('/rest/v1/customobjects/car_c.json', (req) => {
      const input = (JSON.parse(req.body) as { input: unknown[] }).input;
      return ok(
        input.map((_, seq) => ({ seq, status: 'updated', marketoGUID: `g-${req.body.length}-${seq}` })),
      );
    });
    const call: TransportCall = {
      group: { kind: 'customObject', apiName: 'car_c', operation: 'UPDATE' },
      records: [
        { apiName: 'car_c', attributes: { vin: 'V1', year: '2003' }, lead: { Id: 42 } },
        { apiName: 'car_c', attributes: { marketoGUID: 'g-7', year: '2010' } },
        { apiName: 'car_c', attributes: { vin: 'V2', colour: 'red' } },
      ],
    };
    const results = await t!.send(call);
    const sent = bodies('/rest/v1/customobjects/car_c.json');
    for (const body of sent) expect(schemaProblems(syncSchema, body)).toBe('');
    // The schemas can fail: idField with another action, a seq in a request, a delete without deleteBy.
    const refused = [
      [syncSchema, { action: 'createOnly', dedupeBy: 'idField', input: [{ marketoGUID: 'g' }] }],
      [syncSchema, { action: 'createOrUpdate', dedupeBy: 'dedupeFields', input: [{ vin: 'V', seq: 0 }] }],
      [deleteSchema, { input: [{ vin: 'V' }] }],
    ] as const;
    for (const [schema, body] of refused) expect(schemaProblems(schema, body)).not.toBe('');
    expect(sent).toEqual([
      { action: 'updateOnly', dedupeBy: 'dedupeFields', input: [{ vin: 'V1', year: 2003, leadId: 42 }] },
      { action: 'updateOnly', dedupeBy: 'idField', input: [{ marketoGUID: 'g-7', year: 2010 }] },
    ]);
    expect(results.map((r) => [r.status, r.field ?? null])).toEqual([
      ['UPDATED', null],
      ['UPDATED', null],
      ['FAILED', 'attributes.colour'],
    ]);
  });

  it('deletes by the keys only, deleteBy always sent; deleted is UPDATED with the word', async () => {
    fake.handlers.set('/rest/v1/customobjects/car_c/delete.json', (req) => {
      const input = (JSON.parse(req.body) as { input: unknown[] }).input;
      return ok(input.map((_, seq) => ({ seq, status: 'deleted', marketoGUID: `d-${seq}` })));
    });
    const results = await t!.send({
      group: { kind: 'customObject', apiName: 'car_c', operation: 'DELETE' },
      records: [{ apiName: 'car_c', attributes: { vin: 'V1', year: '2003' } }],
    });
    const sent = bodies('/rest/v1/customobjects/car_c/delete.json');
    expect(sent).toEqual([{ deleteBy: 'dedupeFields', input: [{ vin: 'V1' }] }]);
    expect(schemaProblems(deleteSchema, sent[0])).toBe('');
    expect(results.map((r) => [r.status, r.id, r.message])).toEqual([['UPDATED', 'd-0', 'deleted']]);
  });

  it('a 1018 answer fails the call as read-only, settling only the records before the first refused', async () => {
    fake.handlers.set('/rest/v1/customobjects/car_c.json', () =>
      ok([
        { seq: 0, status: 'created', marketoGUID: 'g-0' },
        { seq: 1, status: 'skipped', reasons: [{ code: '1018', message: 'CRM Enabled' }] },
        { seq: 2, status: 'skipped', reasons: [{ code: '1018', message: 'CRM Enabled' }] },
      ]),
    );
    let error: unknown;
    try {
      await t!.send({
        group: { kind: 'customObject', apiName: 'car_c', operation: 'UPSERT' },
        records: ['V1', 'V2', 'V3'].map((vin) => ({ apiName: 'car_c', attributes: { vin } })),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarketoCallError);
    const e = error as MarketoCallError;
    expect([e.category, e.code, e.applied]).toEqual(['read-only', '1018', 'not-applied']);
    expect(e.settled.map((r) => [r.status, r.id])).toEqual([['CREATED', 'g-0']]);
  });
});
