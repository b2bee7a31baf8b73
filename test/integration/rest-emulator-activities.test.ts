import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * The emulator's custom activities over HTTP: Add Custom Activities (answers by position), the types
 * (seeded, replaced at run time through the admin API), the activity log read back through Get Paging
 * Token and Get Lead Activities, Get Leads by Filter Type (GET and POST with _method=GET), and lost
 * answers limited to one operation.
 */

let f: RestFixture;
beforeEach(async () => {
  f = await startRestFixture();
});
afterEach(async () => {
  await f.close();
});

async function lead(email: string): Promise<number> {
  const answer = await f.call('POST', '/rest/v1/leads.json', { json: { input: [{ email }] } });
  return (answer.body.result as { id: number }[])[0]!.id;
}

const activity = (leadId: number, extra: Record<string, unknown> = {}) => ({
  leadId,
  activityDate: '2026-12-07T06:56:35+01:00',
  activityTypeId: 100001,
  primaryAttributeValue: 'pro',
  attributes: [{ apiName: 'seats', value: 5 }],
  ...extra,
});

describe('Add Custom Activities', () => {
  it('answers by position: added with an id and marketoGUID, or skipped with errors naming the problem', async () => {
    const id = await lead('ann@example.com');
    const answer = await f.call('POST', '/rest/v1/activities/external.json', {
      json: {
        input: [
          activity(id),
          activity(999),
          activity(id, { activityTypeId: 100003 }),
          activity(id, { activityDate: '2026-12-07T06:56:35' }),
          activity(id, { attributes: [{ apiName: 'colour', value: 'red' }] }),
          activity(id, { primaryAttributeValue: undefined }),
          activity(id, { attributes: [{ name: 'Source', value: 'ads' }] }),
        ],
      },
    });
    expect(answer.body.success).toBe(true);
    const result = answer.body.result as Record<string, unknown>[];
    expect(result).toHaveLength(7);
    expect(result[0]).toMatchObject({ status: 'added' });
    expect(typeof result[0]!.marketoGUID).toBe('string');
    expect(result[0]).not.toHaveProperty('seq');
    const codes = result.map((r) => (r.errors as { code: string }[] | undefined)?.[0]?.code ?? r.status);
    expect(codes).toEqual(['added', '1004', '1003', '1003', '1006', '1002', 'added']);
    expect(JSON.stringify(result[2])).toContain('draft');
    expect(JSON.stringify(result[4])).toContain('colour');
    const logged = f.emulator.activities.all();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      leadId: id,
      activityDate: '2026-12-07T05:56:35Z',
      primaryAttributeValue: 'pro',
    });
  });

  it('lists the seeded types and takes new ones at run time through the admin API', async () => {
    const before = await f.call('GET', '/rest/v1/activities/external/types.json');
    const types = before.body.result as {
      apiName: string;
      status: string;
      primaryAttribute: { apiName: string };
    }[];
    expect(types.map((t) => `${t.apiName}:${t.status}`)).toEqual([
      'trialStarted:approved',
      'invoicePaid:approved',
      'webinarAttended:draft',
    ]);
    expect(types[0]!.primaryAttribute.apiName).toBe('plan');
    const patched = await fetch(`${f.emulator.url}/_emulator/config`, {
      method: 'POST',
      body: JSON.stringify({
        seed: {
          activityTypes: [
            { id: 200001, apiName: 'orderShipped', primaryAttribute: { apiName: 'orderId' }, attributes: [] },
          ],
        },
      }),
    });
    expect(patched.status).toBe(200);
    const after = await f.call('GET', '/rest/v1/activities/external/types.json');
    expect((after.body.result as { apiName: string }[]).map((t) => t.apiName)).toEqual(['orderShipped']);
  });
});

describe('the activity log through Get Lead Activities', () => {
  it('pages by nextPageToken from a paging token, filtered by type and lead', async () => {
    const a = await lead('a@example.com');
    const b = await lead('b@example.com');
    const input = Array.from({ length: 250 }, (_, i) =>
      activity(i % 2 === 0 ? a : b, {
        activityDate: new Date(Date.UTC(2026, 11, 7, 6, 0, i)).toISOString(),
        primaryAttributeValue: `p${i}`,
      }),
    );
    expect(
      (await f.call('POST', '/rest/v1/activities/external.json', { json: { input } })).body.success,
    ).toBe(true);
    const token = await f.call(
      'GET',
      '/rest/v1/activities/pagingtoken.json?sinceDatetime=2026-12-07T06:01:00Z',
    );
    let next = token.body.nextPageToken as string;
    const seen: string[] = [];
    for (let page = 0; page < 10; page++) {
      const answer = await f.call(
        'GET',
        `/rest/v1/activities.json?activityTypeIds=100001&leadIds=${a}&batchSize=50&nextPageToken=${encodeURIComponent(next)}`,
      );
      expect(answer.body.success).toBe(true);
      for (const r of answer.body.result as { leadId: number; primaryAttributeValue: string }[]) {
        expect(r.leadId).toBe(a);
        seen.push(r.primaryAttributeValue);
      }
      next = answer.body.nextPageToken as string;
      if (answer.body.moreResult !== true) break;
    }
    // From 06:01:00 on: i = 60..249, even ones (lead a).
    expect(seen).toEqual(Array.from({ length: 95 }, (_, k) => `p${60 + 2 * k}`));
    const none = await f.call('GET', `/rest/v1/activities.json?activityTypeIds=100002&nextPageToken=${next}`);
    expect(none.body.result).toEqual([]);
    const bad = await f.call('GET', `/rest/v1/activities.json?nextPageToken=${next}`);
    expect(bad.body.success).toBe(false);
  });
});

describe('Get Leads by Filter Type', () => {
  it('answers the GET and the POST with _method=GET and a form body alike', async () => {
    const ids = [await lead('x1@example.com'), await lead('X2@example.com')];
    const get = await f.call(
      'GET',
      '/rest/v1/leads.json?filterType=email&filterValues=x1@example.com,x2@example.com,none@example.com&fields=id,email',
    );
    expect((get.body.result as { id: number }[]).map((r) => r.id)).toEqual(ids);
    const values = [
      'x1@example.com',
      ...Array.from({ length: 298 }, (_, i) => `missing-${i}@example.com`),
      'x2@example.com',
    ];
    const post = await f.call('POST', '/rest/v1/leads.json?_method=GET', {
      form: { filterType: 'email', filterValues: values.join(','), fields: 'id,email' },
    });
    expect(post.body.result).toEqual([
      { id: ids[0], email: 'x1@example.com' },
      { id: ids[1], email: 'X2@example.com' },
    ]);
    const over = await f.call('POST', '/rest/v1/leads.json?_method=GET', {
      form: { filterType: 'email', filterValues: [...values, 'one-more@example.com'].join(',') },
    });
    expect(over.body.success).toBe(false);
    const calls = await f.calls();
    expect(calls.filter((c) => c.operation === 'queryLeads')).toHaveLength(3);
    expect(f.emulator.leads.size).toBe(2);
  });
});

describe('lost answers limited to an operation', () => {
  it('loses Add Custom Activities answers only; the activity is logged once, the lead sync answered', async () => {
    f.emulator.configure({
      faults: { applyThenResetRate: 1, lostAnswerOperations: ['addCustomActivities'] },
    });
    const id = await lead('lost@example.com');
    await expect(
      f.call('POST', '/rest/v1/activities/external.json', { json: { input: [activity(id)] } }),
    ).rejects.toThrow();
    expect(f.emulator.activities.all()).toHaveLength(1);
    const state = (await (await fetch(`${f.emulator.url}/_emulator/activities`)).json()) as unknown[];
    expect(state).toHaveLength(1);
    expect((await f.calls()).find((c) => c.operation === 'addCustomActivities')?.status).toBe(
      'applied-reset',
    );
  });
});
