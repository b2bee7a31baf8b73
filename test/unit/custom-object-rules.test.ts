import { describe, expect, it } from 'vitest';
import type { StoredCustomObject } from '../../src/buffer/types.js';
import { customObjectRequest, customObjectSchema } from '../../src/rest/custom-object-rules.js';
import { customObjectResults, CustomObjectSchemas } from '../../src/rest/custom-objects.js';
import { stopOnReadOnly } from '../../src/rest/read-only.js';
import { MarketoCallError, type RecordResult } from '../../src/transport/contract.js';
import { decide } from '../../src/worker/retry-decision.js';
import { compileRetryPolicy } from '../../src/worker/retry-policy.js';

/** Custom objects in REST terms: pure mapping against a Describe answer, results, the read-only stop. */

const DESCRIBE = [
  {
    name: 'car_c',
    idField: 'marketoGUID',
    dedupeFields: ['vin'],
    relationships: [{ field: 'leadId', type: 'parent', object: { name: 'Lead', field: 'id' } }],
    fields: [
      { name: 'marketoGUID', dataType: 'string', updateable: false },
      { name: 'createdAt', dataType: 'datetime', updateable: false },
      { name: 'vin', dataType: 'string', updateable: false },
      { name: 'year', dataType: 'integer', updateable: true },
      { name: 'make', dataType: 'string', updateable: true },
      { name: 'leadId', dataType: 'link', updateable: true },
    ],
  },
];
const schema = customObjectSchema('car_c', DESCRIBE);
const car = (attributes: Record<string, string>, lead?: StoredCustomObject['lead']): StoredCustomObject => ({
  apiName: 'car_c',
  attributes,
  ...(lead ? { lead } : {}),
});

describe('customObjectRequest', () => {
  it('reads the schema: dedupe fields, fields, the link to a lead (Describe `object` or List `relatedTo`)', () => {
    expect(schema.dedupeFields).toEqual(['vin']);
    expect(schema.leadLink).toEqual({ field: 'leadId', leadField: 'id' });
    const listed = customObjectSchema('x', [
      { dedupeFields: ['a'], relationships: [{ field: 'em', relatedTo: { name: 'Lead', field: 'email' } }] },
    ]);
    expect(listed.leadLink).toEqual({ field: 'em', leadField: 'email' });
  });

  it('maps an upsert by its dedupe field, typed by Describe, with the lead by id', () => {
    expect(
      customObjectRequest(car({ VIN: 'V1', year: '2003', make: '' }, { Id: 7 }), 'UPSERT', schema),
    ).toEqual({
      ok: true,
      by: 'dedupeFields',
      record: { vin: 'V1', year: 2003, make: null, leadId: 7 },
    });
  });

  it('fails an unknown field naming it, a missing dedupe field, a read-only field', () => {
    expect(customObjectRequest(car({ vin: 'V1', colour: 'red' }), 'UPSERT', schema)).toEqual({
      ok: false,
      problem: {
        field: 'attributes.colour',
        reason: 'is not a field of car_c in this Marketo instance (unknown to Describe)',
      },
    });
    expect(customObjectRequest(car({ make: 'BMW' }), 'INSERT', schema)).toMatchObject({
      ok: false,
      problem: { field: 'attributes.vin' },
    });
    expect(customObjectRequest(car({ vin: 'V1', createdAt: 'x' }), 'UPDATE', schema)).toMatchObject({
      ok: false,
      problem: { field: 'attributes.createdAt', reason: 'is read-only in Marketo (createdAt)' },
    });
  });

  it('names a record by marketoGUID (idField) for UPDATE and DELETE only', () => {
    expect(customObjectRequest(car({ marketoGUID: 'g-1', make: 'BMW' }), 'UPDATE', schema)).toEqual({
      ok: true,
      by: 'idField',
      record: { marketoGUID: 'g-1', make: 'BMW' },
    });
    expect(customObjectRequest(car({ marketoGUID: 'g-1' }), 'UPSERT', schema)).toMatchObject({
      ok: false,
      problem: { field: 'attributes.marketoGUID' },
    });
    expect(customObjectRequest(car({ marketoGUID: 'g-1', vin: 'V2' }), 'UPDATE', schema)).toMatchObject({
      ok: false,
      problem: { field: 'attributes.vin' },
    });
    // A delete carries its key only, whatever else the merged change holds.
    expect(customObjectRequest(car({ vin: 'V1', make: 'BMW', colour: 'x' }), 'DELETE', schema)).toEqual({
      ok: true,
      by: 'dedupeFields',
      record: { vin: 'V1' },
    });
  });

  it('a lead by a key the link does not hold needs the resolver: refused naming the lead key', () => {
    expect(customObjectRequest(car({ vin: 'V1' }, { Email: 'a@x.com' }), 'UPSERT', schema)).toMatchObject({
      ok: false,
      problem: { field: 'lead.Email' },
    });
    const noLink = customObjectSchema('n', [
      { dedupeFields: ['k'], fields: [{ name: 'k', dataType: 'string' }] },
    ]);
    expect(
      customObjectRequest({ apiName: 'n', attributes: { k: '1' }, lead: { Id: 1 } }, 'UPSERT', noLink),
    ).toMatchObject({
      ok: false,
      problem: { field: 'lead' },
    });
  });
});

describe('custom object results and the read-only stop', () => {
  it('reads deleted as UPDATED with the word, skipped 1013 as SKIPPED, by seq', () => {
    const results = customObjectResults(
      [
        { seq: 1, status: 'skipped', reasons: [{ code: '1013', message: 'Object not found' }] },
        { seq: 0, status: 'deleted', marketoGUID: 'g-0' },
      ],
      2,
    );
    expect(results.map((r) => [r.status, r.id, r.message])).toEqual([
      ['UPDATED', 'g-0', 'deleted'],
      ['SKIPPED', null, '1013 Object not found'],
    ]);
  });

  it('1018 turns the call into a read-only failure settling only the records before it; held by the policy', () => {
    const ok: RecordResult = { status: 'CREATED', id: 'g', code: null, category: null, message: null };
    const crm: RecordResult = {
      status: 'FAILED',
      id: null,
      code: '1018',
      category: 'invalid-record',
      message: 'CRM Enabled',
    };
    expect(stopOnReadOnly([ok, ok], 'x')).toEqual([ok, ok]);
    let error: unknown;
    try {
      stopOnReadOnly([ok, crm, crm], 'custom object car_c');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarketoCallError);
    const e = error as MarketoCallError;
    expect([e.category, e.code, e.applied, e.settled.length]).toEqual([
      'read-only',
      '1018',
      'not-applied',
      1,
    ]);
    expect(e.message).toMatch(/car_c as read-only \(1018 CRM Enabled\)/);
    const policy = compileRetryPolicy({});
    for (const kind of ['idempotent', 'checked-create', 'create'] as const)
      expect(
        decide(policy, {
          failure: { scope: 'call', category: 'read-only', applied: 'not-applied' },
          kind,
          attempts: 3,
          stopping: false,
          now: 0,
          jitter: 0.5,
        }),
      ).toEqual({ action: 'hand-back', uncertain: false, waitMs: policy.pauses.authMs });
  });

  it('caches a Describe per type, bounded, and reads again (not sooner than refreshMinMs) for an unknown field', async () => {
    let now = 0;
    const asked: string[] = [];
    const describe = async (path: string) => {
      asked.push(path);
      return DESCRIBE;
    };
    const schemas = new CustomObjectSchemas({ now: () => now, maxTypes: 2, refreshMinMs: 1000 });
    await schemas.schemaFor('car_c', ['make'], describe);
    await schemas.schemaFor('car_c', ['make'], describe);
    await schemas.schemaFor('car_c', ['colour'], describe);
    now = 1000;
    await schemas.schemaFor('car_c', ['colour'], describe);
    await schemas.schemaFor('a_c', [], describe);
    await schemas.schemaFor('b_c', [], describe);
    await schemas.schemaFor('car_c', [], describe);
    expect(asked).toEqual([
      '/rest/v1/customobjects/car_c/describe.json',
      '/rest/v1/customobjects/car_c/describe.json',
      '/rest/v1/customobjects/a_c/describe.json',
      '/rest/v1/customobjects/b_c/describe.json',
      '/rest/v1/customobjects/car_c/describe.json',
    ]);
  });
});

describe('the metrics operation of custom object requests', () => {
  it('names the endpoint, never the API name', async () => {
    const { restOperation } = await import('../../src/rest/call-attempt.js');
    expect(restOperation('/rest/v1/customobjects/car_c.json')).toBe('syncCustomObjects');
    expect(restOperation('/rest/v1/customobjects/car_c/delete.json')).toBe('deleteCustomObjects');
    expect(restOperation('/rest/v1/customobjects/car_c/describe.json', 'GET')).toBe('describeCustomObject');
    expect(restOperation('/rest/v1/customobjects/schema/x/describe.json', 'GET')).toBe('other');
  });
});

describe('sendCustomObjects with a lead resolver lent by the client', () => {
  it('fills an id link from a key, fails an unknown key naming lead, lets a pending lead wait', async () => {
    const { sendCustomObjects } = await import('../../src/rest/custom-objects.js');
    const sent: unknown[] = [];
    const calls = {
      exchange: async () => DESCRIBE,
      admitAnother: async () => undefined,
      maxBodyBytes: 1_000_000,
      sendJson: async (
        _path: string,
        _envelope: Record<string, unknown>,
        mapped: readonly (
          { ok: true; record: unknown } | { ok: false; problem: { field: string; reason: string } }
        )[],
      ) =>
        mapped.map((m): RecordResult => {
          if (!m.ok)
            return {
              status: 'FAILED',
              id: null,
              code: null,
              category: 'invalid-record',
              message: m.problem.reason,
              field: m.problem.field,
            };
          sent.push(m.record);
          return { status: 'CREATED', id: 'g', code: null, category: null, message: null };
        }),
      leads: {
        resolve: async (refs: readonly Record<string, unknown>[]) =>
          refs.map((r) =>
            r.Email === 'known@x.com'
              ? { id: 77 }
              : r.Email === 'new@x.com'
                ? { wait: 'lead Email:new@x.com has a change on its way' }
                : { failed: 'no lead with Email unknown@x.com' },
          ),
      },
    };
    const results = await sendCustomObjects(
      calls as never,
      { kind: 'customObject', apiName: 'car_c', operation: 'UPSERT' },
      ['known@x.com', 'new@x.com', 'unknown@x.com'].map((Email, i) => car({ vin: `V${i}` }, { Email })),
    );
    expect(sent).toEqual([{ vin: 'V0', leadId: 77 }]);
    expect(
      results.map((r) => [
        r.status,
        r.category,
        r.field ?? null,
        (r as { waitsFor?: string }).waitsFor ?? null,
      ]),
    ).toEqual([
      ['CREATED', null, null, null],
      ['FAILED', 'transient', null, 'Email:new@x.com'],
      ['FAILED', 'invalid-record', 'lead', null],
    ]);
  });
});
