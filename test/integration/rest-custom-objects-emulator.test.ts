import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * The emulator's custom objects over HTTP (issue 16): List, Describe, Sync with each action and
 * dedupeBy, Delete, unknown fields per record, a type under the simulated CRM sync (1018), types set at
 * run time, companies read-only under CRM sync, and the state API.
 */

let fx: RestFixture;
beforeEach(async () => {
  fx = await startRestFixture();
});
afterEach(async () => {
  await fx.close();
});

type Result = { seq: number; status: string; marketoGUID?: string; reasons?: { code: string }[] };
const results = (body: Record<string, unknown>): Result[] => body.result as Result[];
const codes = (body: Record<string, unknown>): (string | undefined)[] =>
  results(body).map((r) => r.reasons?.[0]?.code ?? r.status);

async function lead(email: string): Promise<number> {
  const answer = await fx.call('POST', '/rest/v1/leads.json', { json: { input: [{ email }] } });
  return (answer.body.result as { id: number }[])[0]!.id;
}

describe('custom objects in the emulator', () => {
  it('lists the seeded types and describes one with its keys, link and fields', async () => {
    const list = await fx.call('GET', '/rest/v1/customobjects.json');
    const names = (list.body.result as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(['device_c', 'subscription_c']);
    const describe = await fx.call('GET', '/rest/v1/customobjects/device_c/describe.json');
    const type = (describe.body.result as Record<string, unknown>[])[0]!;
    expect(type).toMatchObject({
      name: 'device_c',
      idField: 'marketoGUID',
      dedupeFields: ['serialNumber'],
      relationships: [{ field: 'leadId', type: 'parent', object: { name: 'Lead', field: 'id' } }],
    });
    const fields = type.fields as { name: string; updateable: boolean }[];
    expect(fields.find((f) => f.name === 'serialNumber')?.updateable).toBe(false);
    expect(fields.find((f) => f.name === 'model')?.updateable).toBe(true);
    const unknown = await fx.call('GET', '/rest/v1/customobjects/nothing_c/describe.json');
    expect(unknown.body).toMatchObject({ success: false, errors: [{ code: '1003' }] });
  });

  it('syncs by each action and dedupeBy, answering per record by seq', async () => {
    const leadId = await lead('owner@example.com');
    const path = '/rest/v1/customobjects/device_c.json';
    const created = await fx.call('POST', path, {
      json: {
        action: 'createOnly',
        input: [
          { serialNumber: 'SN-1', model: 'X1', leadId },
          { serialNumber: 'SN-2', model: 'X2', colour: 'red' },
          { serialNumber: 'SN-3', leadId: 999_999 },
          { serialNumber: 'SN-1', model: 'again' },
          { model: 'no key' },
          { serialNumber: 'SN-4', active: 'maybe' },
        ],
      },
    });
    expect(codes(created.body)).toEqual(['created', '1006', '1004', '1036', '1002', '1001']);
    expect(results(created.body).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    const guid = results(created.body)[0]!.marketoGUID!;
    expect(guid).toMatch(/^[0-9a-f-]{36}$/);
    expect(results(created.body)[1]!.reasons).toEqual([
      { code: '1006', message: "Field 'colour' not found" },
    ]);

    const again = await fx.call('POST', path, {
      json: { action: 'createOnly', input: [{ serialNumber: 'SN-1' }] },
    });
    expect(codes(again.body)).toEqual(['1017']);
    const update = await fx.call('POST', path, {
      json: {
        action: 'updateOnly',
        input: [{ serialNumber: 'SN-1', firmware: '2.0' }, { serialNumber: 'SN-9' }],
      },
    });
    expect(codes(update.body)).toEqual(['updated', '1013']);
    const byId = await fx.call('POST', path, {
      json: { action: 'updateOnly', dedupeBy: 'idField', input: [{ marketoGUID: guid, active: true }] },
    });
    expect(results(byId.body)[0]).toEqual({ seq: 0, status: 'updated', marketoGUID: guid });
    const refused = await fx.call('POST', path, {
      json: { action: 'createOrUpdate', dedupeBy: 'idField', input: [{ marketoGUID: guid }] },
    });
    expect(refused.body).toMatchObject({ success: false, errors: [{ code: '1003' }] });
    const tooMany = await fx.call('POST', path, {
      json: { input: Array.from({ length: 301 }, (_, i) => ({ serialNumber: `MANY-${i}` })) },
    });
    expect(tooMany.body).toMatchObject({ success: false, errors: [{ code: '1003' }] });
    const upsert = await fx.call('POST', path, {
      json: { input: [{ serialNumber: 'SN-1', model: 'X1b' }, { serialNumber: 'SN-5' }] },
    });
    expect(codes(upsert.body)).toEqual(['updated', 'created']);

    const state = await (await fetch(`${fx.emulator.url}/_emulator/rest/customobjects/device_c`)).json();
    const records = (state as { records: { marketoGUID: string; fields: Record<string, unknown> }[] })
      .records;
    expect(records.find((r) => r.marketoGUID === guid)?.fields).toEqual({
      serialNumber: 'SN-1',
      model: 'X1b',
      leadId,
      firmware: '2.0',
      active: true,
    });
    expect(records).toHaveLength(2);
    const listed = (await (
      await fetch(`${fx.emulator.url}/_emulator/mobjects?type=device_c`)
    ).json()) as unknown[];
    expect(listed).toEqual(records);
  });

  it('deletes by dedupe fields and by id, a miss skipped 1013; the same delete again is 1013', async () => {
    const path = '/rest/v1/customobjects/subscription_c.json';
    await lead('payer@example.com');
    const made = await fx.call('POST', path, {
      json: {
        input: [
          { subscriptionId: 'S-1', plan: 'pro', seats: 3, leadEmail: 'payer@example.com' },
          { subscriptionId: 'S-2', plan: 'team', seats: '5' },
        ],
      },
    });
    expect(codes(made.body)).toEqual(['created', 'created']);
    const guid2 = results(made.body)[1]!.marketoGUID!;
    const del = '/rest/v1/customobjects/subscription_c/delete.json';
    const first = await fx.call('POST', del, {
      json: { deleteBy: 'dedupeFields', input: [{ subscriptionId: 'S-1' }, { subscriptionId: 'S-7' }] },
    });
    expect(codes(first.body)).toEqual(['deleted', '1013']);
    const byId = await fx.call('POST', del, {
      json: { deleteBy: 'idField', input: [{ marketoGUID: guid2 }] },
    });
    expect(results(byId.body)[0]).toEqual({ seq: 0, status: 'deleted', marketoGUID: guid2 });
    const again = await fx.call('POST', del, {
      json: { deleteBy: 'dedupeFields', input: [{ subscriptionId: 'S-1' }] },
    });
    expect(codes(again.body)).toEqual(['1013']);
    const calls = (await fx.calls()).filter((c) => c.operation === 'deleteCustomObjects');
    expect(calls.map((c) => [c.apiName, c.deleteBy])).toEqual([
      ['subscription_c', 'dedupeFields'],
      ['subscription_c', 'idField'],
      ['subscription_c', 'dedupeFields'],
    ]);
  });

  it('a type set at run time as CRM-managed refuses every record with 1018; companies likewise under CRM sync', async () => {
    const put = await fetch(`${fx.emulator.url}/_emulator/rest/customobjects/order_c`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        dedupeFields: ['orderId'],
        fields: [{ name: 'orderId' }, { name: 'total', dataType: 'currency' }],
        crmManaged: true,
      }),
    });
    expect(put.status).toBe(200);
    const bad = await fetch(`${fx.emulator.url}/_emulator/rest/customobjects/bad_c`, {
      method: 'PUT',
      body: JSON.stringify({ dedupeFields: ['nope'], fields: [{ name: 'x' }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /^dedupeFields: nope is not one of fields/,
    );

    const answer = await fx.call('POST', '/rest/v1/customobjects/order_c.json', {
      json: { input: [{ orderId: 'O-1', total: 10 }, { orderId: 'O-2' }] },
    });
    expect(codes(answer.body)).toEqual(['1018', '1018']);
    const state = (await (await fetch(`${fx.emulator.url}/_emulator/rest/customobjects`)).json()) as {
      types: { apiName: string; crmManaged: boolean; records: number }[];
    };
    expect(state.types.find((t) => t.apiName === 'order_c')).toMatchObject({ crmManaged: true, records: 0 });

    const company = { input: [{ externalCompanyId: 'C-1', company: 'Crm Co' }] };
    expect(codes((await fx.call('POST', '/rest/v1/companies.json', { json: company })).body)).toEqual([
      'created',
    ]);
    await fetch(`${fx.emulator.url}/_emulator/rest/native-crm-sync`, {
      method: 'POST',
      body: JSON.stringify({ enabled: true }),
    });
    expect(codes((await fx.call('POST', '/rest/v1/companies.json', { json: company })).body)).toEqual([
      '1018',
    ]);
  });

  it('types come from the seed too, and a lost answer still applies the call', async () => {
    await fx.emulator.configure({
      seed: {
        customObjects: [
          { apiName: 'car_c', dedupeFields: ['vin'], fields: [{ name: 'vin' }, { name: 'make' }] },
        ],
      },
    });
    fx.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const lost = await fx
      .call('POST', '/rest/v1/customobjects/car_c.json', { json: { input: [{ vin: 'V1', make: 'BMW' }] } })
      .then(
        () => 'answered',
        () => 'lost',
      );
    expect(lost).toBe('lost');
    expect(fx.emulator.customObjects.list('car_c').map((r) => r.fields)).toEqual([
      { vin: 'V1', make: 'BMW' },
    ]);
    const again = await fx.call('POST', '/rest/v1/customobjects/car_c.json', {
      json: { action: 'createOnly', input: [{ vin: 'V1' }] },
    });
    expect(codes(again.body)).toEqual(['1017']);
  });
});
