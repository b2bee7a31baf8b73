import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestTransport } from '../../src/rest/client.js';
import type { StoredActivity } from '../../src/buffer/types.js';
import { restSchema, schemaProblems } from '../helpers/rest-emulator.js';
import { startFakeMarketo, type FakeAnswer, type FakeMarketo } from './rest-fake-marketo.js';

/**
 * The REST client's custom activities against a scripted stand-in (not the emulator): each Add Custom
 * Activities body valid by the project's schema written from Swagger's CustomActivityRequest; the
 * leads looked up by POST with `_method=GET` and a form body; the answer read by position, `errors`
 * as Swagger and the page give them; the activity log read through the paging token.
 */

const schema = restSchema('client-add-custom-activities-request');
const ok = (result: unknown[], extra: Record<string, unknown> = {}): FakeAnswer => ({
  json: { requestId: 'fake#a', success: true, ...extra, result },
});
const TYPES = [
  {
    id: 7001,
    apiName: 'orderShipped',
    status: 'approved',
    primaryAttribute: { apiName: 'orderId', name: 'Order Id' },
    attributes: [{ apiName: 'carrier', name: 'Carrier' }],
  },
];

let fake: FakeMarketo;
let t: RestTransport;
beforeEach(async () => {
  fake = await startFakeMarketo();
  fake.handlers.set('/rest/v1/activities/external/types.json', () => ok(TYPES));
  fake.handlers.set('/rest/v1/leads.json', (req) => {
    const form = new URLSearchParams(req.body);
    const values = (form.get('filterValues') ?? '').split(',');
    return ok(values.filter((v) => v.startsWith('known')).map((email, i) => ({ id: 100 + i, email })));
  });
  t = new RestTransport({
    endpoint: `${fake.url}/rest`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  });
});
afterEach(async () => {
  t.close();
  await fake.close();
});

const record = (email: string, extra: Partial<StoredActivity> = {}): StoredActivity => ({
  lead: { Email: email },
  activityType: 'orderShipped',
  activityDate: '2026-12-07T06:00:00Z',
  primaryAttributeValue: 'O-1',
  attributes: { carrier: 'UPS' },
  ...extra,
});

describe('RestTransport: custom activities against a stand-in', () => {
  it('sends schema-valid bodies, reads answers by position, fails what it cannot send naming the field', async () => {
    fake.handlers.set('/rest/v1/activities/external.json', (req) => {
      const body = JSON.parse(req.body) as { input: unknown[] };
      expect(schemaProblems(schema, body)).toBe('');
      return ok(
        body.input.map((_, i) =>
          i === 1
            ? { status: 'skipped', errors: [{ code: '1004', message: 'Lead not found' }] }
            : { id: 50 + i, marketoGUID: `g-${i}`, status: 'added' },
        ),
      );
    });
    const results = await t.send({
      group: { kind: 'activity' },
      records: [
        record('known1@example.com'),
        record('known2@example.com'),
        record('stranger@example.com'),
        record('known3@example.com', { attributes: { weight: '3' } }),
        record('known4@example.com', { activityType: 'unknownType' }),
      ],
    });
    expect(results.map((r) => [r.status, r.id ?? r.field ?? r.code])).toEqual([
      ['CREATED', 'g-0'],
      ['FAILED', '1004'],
      ['FAILED', 'lead'],
      ['FAILED', 'attributes.weight'],
      ['FAILED', 'activityType'],
    ]);
    const lookups = fake.apiRequests().filter((r) => r.path === '/rest/v1/leads.json');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.query.get('_method')).toBe('GET');
    expect(new URLSearchParams(lookups[0]!.body).get('filterType')).toBe('email');
  });

  it('finds logged activities in the log through the paging token; a missing one is absent', async () => {
    fake.handlers.set('/rest/v1/activities/pagingtoken.json', () => ({
      json: { requestId: 'fake#p', success: true, nextPageToken: 'T0' },
    }));
    fake.handlers.set('/rest/v1/activities.json', (req) => {
      expect(req.query.get('activityTypeIds')).toBe('7001');
      if (req.query.get('nextPageToken') === 'T0')
        return {
          json: {
            requestId: 'fake#l',
            success: true,
            moreResult: true,
            nextPageToken: 'T1',
            result: [
              {
                marketoGUID: 'm-1',
                leadId: 100,
                activityTypeId: 7001,
                activityDate: '2026-12-07T06:00:00Z',
                primaryAttributeValue: 'O-1',
              },
            ],
          },
        };
      // The last page: Marketo leaves `result` out when there is nothing.
      return { json: { requestId: 'fake#l', success: true, moreResult: false, nextPageToken: 'T2' } };
    });
    const found = await t.findIds!({
      group: { kind: 'activity' },
      records: [record('known1@example.com'), record('known1@example.com', { primaryAttributeValue: 'O-2' })],
    });
    expect(found).toEqual([{ id: 'm-1' }, expect.objectContaining({ id: null, absent: true })]);
  });
});
