import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { restSchema, schemaProblems, startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

let f: RestFixture;
beforeEach(async () => {
  await f?.close();
  f = await startRestFixture();
});
afterAll(() => f?.close());

const requestSchema = restSchema('sync-objects-request');
const responseSchema = restSchema('sync-objects-response');

async function sync(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  expect(schemaProblems(requestSchema, body)).toBe('');
  const answer = await f.call('POST', path, { json: body });
  expect(schemaProblems(responseSchema, answer.body)).toBe('');
  return answer.body.result as Record<string, unknown>[];
}
const opportunities = (body: Record<string, unknown>) => sync('/rest/v1/opportunities.json', body);
const roles = (body: Record<string, unknown>) => sync('/rest/v1/opportunities/roles.json', body);
const skipped = (seq: number, code: string, message: string) => ({
  seq,
  status: 'skipped',
  reasons: [{ code, message }],
});
const state = async (type: string) =>
  (await (await fetch(`${f.emulator.url}/_emulator/mobjects?type=${type}`)).json()) as Record<
    string,
    unknown
  >[];

describe('REST Sync Opportunities', () => {
  it('creates and updates by externalOpportunityId with seq and a marketoGUID, as the documented example', async () => {
    // The request of Adobe's Sync Opportunities example, with values of our own.
    const input = [
      {
        externalOpportunityId: 'OPP-1',
        name: 'Chairs',
        description: 'Chairs',
        amount: '1604.47',
        source: 'Inbound',
      },
      { externalOpportunityId: 'OPP-2', name: 'Desks', externalCompanyId: 'ACME-001' },
    ];
    const created = await opportunities({ action: 'createOrUpdate', dedupeBy: 'dedupeFields', input });
    expect(created).toEqual([
      { seq: 0, status: 'created', marketoGUID: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { seq: 1, status: 'created', marketoGUID: expect.any(String) },
    ]);
    const again = await opportunities({ input: [{ externalOpportunityId: 'OPP-1', stage: 'Won' }] });
    expect(again).toEqual([{ seq: 0, status: 'updated', marketoGUID: created[0]!.marketoGUID }]);
    const stored = await state('Opportunity');
    expect(stored).toEqual([
      expect.objectContaining({
        marketoGUID: created[0]!.marketoGUID,
        externalKey: { name: 'externalOpportunityId', value: 'OPP-1' },
        attributes: {
          Name: 'Chairs',
          Description: 'Chairs',
          Amount: '1604.47',
          Source: 'Inbound',
          Stage: 'Won',
        },
      }),
      expect.objectContaining({ associations: { Company: 5001 } }),
    ]);
    const log = (await f.calls()).filter((c) => c.operation === 'syncOpportunities');
    expect(log.map((c) => [c.transport, c.action, c.dedupeBy, c.recordCount])).toEqual([
      ['rest', 'createOrUpdate', 'dedupeFields', 2],
      ['rest', undefined, undefined, 1],
    ]);
  });

  it('createOnly skips an existing one (1017), updateOnly a missing one (1013); updateOnly by idField uses the marketoGUID', async () => {
    const [made] = await opportunities({ input: [{ externalOpportunityId: 'O-1', name: 'One' }] });
    expect(
      await opportunities({
        action: 'createOnly',
        input: [
          { externalOpportunityId: 'O-1', name: 'x' },
          { externalOpportunityId: 'O-2', name: 'Two' },
        ],
      }),
    ).toEqual([
      skipped(0, '1017', 'Object already exists'),
      { seq: 1, status: 'created', marketoGUID: expect.any(String) },
    ]);
    expect(
      await opportunities({ action: 'updateOnly', input: [{ externalOpportunityId: 'O-9', name: 'x' }] }),
    ).toEqual([skipped(0, '1013', 'Object not found')]);
    expect(
      await opportunities({
        action: 'updateOnly',
        dedupeBy: 'idField',
        input: [
          { marketoGUID: made!.marketoGUID, stage: 'Lost' },
          { marketoGUID: 'nope', stage: 'x' },
        ],
      }),
    ).toEqual([
      { seq: 0, status: 'updated', marketoGUID: made!.marketoGUID },
      skipped(1, '1013', 'Object not found'),
    ]);
  });

  it('skips a record without its key or name (1002) or with an unknown field (1006); idField with another action refuses the call', async () => {
    expect(
      await opportunities({
        input: [
          { name: 'no key' },
          { externalOpportunityId: 'N-1' },
          { externalOpportunityId: 'N-2', name: 'n', shoeSize: 3 },
        ],
      }),
    ).toEqual([
      skipped(0, '1002', "Missing value for required parameter 'externalOpportunityId'"),
      skipped(1, '1002', "Missing value for required parameter 'name'"),
      skipped(2, '1006', "Field 'shoeSize' not found"),
    ]);
    const body = { action: 'createOrUpdate', dedupeBy: 'idField', input: [{ marketoGUID: 'x' }] };
    expect(schemaProblems(requestSchema, body)).not.toBe('');
    const refused = await f.call('POST', '/rest/v1/opportunities.json', { json: body });
    expect(refused.body).toMatchObject({
      success: false,
      errors: [{ code: '1003', message: expect.stringMatching(/^Invalid value for dedupeBy/) }],
    });
    expect(await state('Opportunity')).toEqual([]);
  });

  it('describes opportunities and roles as Lead Database objects keyed by marketoGUID', async () => {
    const opp = (await f.call('GET', '/rest/v1/opportunities/describe.json')).body.result as Record<
      string,
      unknown
    >[];
    expect(opp[0]).toMatchObject({ idField: 'marketoGUID', dedupeFields: ['externalOpportunityId'] });
    const role = (await f.call('GET', '/rest/v1/opportunities/roles/describe.json')).body.result as Record<
      string,
      unknown
    >[];
    expect(role[0]).toMatchObject({
      idField: 'marketoGUID',
      dedupeFields: ['externalOpportunityId', 'leadId', 'role'],
    });
  });
});

describe('REST Sync Opportunity Roles', () => {
  it('needs an existing opportunity (1013) and lead (1004); dedupes by externalOpportunityId + leadId + role', async () => {
    await opportunities({ input: [{ externalOpportunityId: 'R-OPP', name: 'Opp' }] });
    const lead = (
      await f.call('POST', '/rest/v1/leads.json', { json: { input: [{ email: 'r@example.com' }] } })
    ).body.result as { id: number }[];
    const leadId = lead[0]!.id;
    const result = await roles({
      input: [
        { externalOpportunityId: 'R-OPP', leadId, role: 'Buyer', isPrimary: true },
        { externalOpportunityId: 'NO-OPP', leadId, role: 'Buyer' },
        { externalOpportunityId: 'R-OPP', leadId: 424242, role: 'Buyer' },
        { externalOpportunityId: 'R-OPP', leadId, role: 'Buyer', isPrimary: false },
      ],
    });
    expect(result).toEqual([
      { seq: 0, status: 'created', marketoGUID: expect.any(String) },
      skipped(1, '1013', 'Object not found: opportunity NO-OPP'),
      skipped(2, '1004', 'Lead not found'),
      { seq: 3, status: 'updated', marketoGUID: result[0]!.marketoGUID },
    ]);
    const [stored] = await state('OpportunityPersonRole');
    expect(stored).toMatchObject({
      attributes: { PersonId: String(leadId), Role: 'Buyer', IsPrimary: 'false' },
    });
    expect(
      await roles({
        action: 'createOnly',
        input: [{ externalOpportunityId: 'R-OPP', leadId, role: 'Buyer' }],
      }),
    ).toEqual([skipped(0, '1017', 'Object already exists')]);
    expect(
      await roles({
        action: 'updateOnly',
        dedupeBy: 'idField',
        input: [{ marketoGUID: result[0]!.marketoGUID, isPrimary: true }],
      }),
    ).toEqual([{ seq: 0, status: 'updated', marketoGUID: result[0]!.marketoGUID }]);
  });
});

describe('REST Update Program', () => {
  const update = (id: number, form: Record<string, string>) =>
    f.call('POST', `/rest/asset/v1/program/${id}.json`, { form });
  const decoded = (form: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(form).map(([k, v]) => [k, k === 'costs' || k === 'tags' ? JSON.parse(v) : v]),
    );

  it('appends costs, sets tags and answers the program, form-encoded as documented', async () => {
    const form = {
      costs: JSON.stringify([{ startDate: '2026-11-01', cost: 200, note: 'Google Ads' }]),
      tags: JSON.stringify([{ tagType: 'Region', tagValue: 'EMEA' }]),
      description: 'Updated',
    };
    expect(schemaProblems(restSchema('update-program-request'), decoded(form))).toBe('');
    const answer = await update(1001, form);
    expect(schemaProblems(restSchema('program-response'), answer.body)).toBe('');
    expect(answer.body).toMatchObject({
      success: true,
      warnings: [],
      errors: [],
      result: [
        {
          id: 1001,
          description: 'Updated',
          tags: [
            { tagType: 'Channel', tagValue: 'Webinar' },
            { tagType: 'Region', tagValue: 'EMEA' },
          ],
          costs: [{ startDate: '2026-11-01', cost: 200, note: 'Google Ads' }],
        },
      ],
    });
    await update(1001, { costs: JSON.stringify([{ startDate: '2026-12-01', cost: 50 }]) });
    const [program] = (await state('Program')).filter((p) => p.id === 1001);
    expect((program!.costs as unknown[]).length).toBe(2);
    const log = (await f.calls()).filter((c) => c.operation === 'updateProgram');
    expect(log[0]).toMatchObject({ transport: 'rest', programId: 1001, recordCount: 1, records: [form] });
  });

  it('replaces every cost with costsDestructiveUpdate, and clears them when no costs are given', async () => {
    await update(1002, {
      costs: JSON.stringify([
        { startDate: '2026-01-01', cost: 1 },
        { startDate: '2026-02-01', cost: 2 },
      ]),
    });
    const replaced = await update(1002, {
      costs: JSON.stringify([{ startDate: '2026-03-01', cost: 3 }]),
      costsDestructiveUpdate: 'true',
    });
    expect((replaced.body.result as { costs: unknown[] }[])[0]!.costs).toEqual([
      { startDate: '2026-03-01', cost: 3 },
    ]);
    const cleared = await update(1002, { costsDestructiveUpdate: 'true' });
    expect((cleared.body.result as { costs: unknown[] }[])[0]!.costs).toEqual([]);
    const read = await f.call('GET', '/rest/asset/v1/program/1002.json');
    expect(read.body).toMatchObject({ success: true, result: [{ id: 1002, costs: [] }] });
  });

  it('refuses the whole call, changing nothing: decimal cost (1001), bad date (704), unknown tag value (709), unknown program (702), JSON body (612)', async () => {
    const error = async (id: number, form: Record<string, string>) => {
      const answer = await update(id, form);
      expect(schemaProblems(restSchema('call-error-response'), answer.body)).toBe('');
      const [e] = answer.body.errors as { code: string; message: string }[];
      return `${e!.code} ${e!.message}`;
    };
    const decimal = { costs: JSON.stringify([{ startDate: '2026-01-01', cost: 12.5 }]) };
    expect(schemaProblems(restSchema('update-program-request'), decoded(decimal))).not.toBe('');
    expect(await error(1003, decimal)).toBe(
      "1001 Invalid value '12.5'. Required of type 'integer' (costs[0].cost)",
    );
    expect(await error(1003, { costs: JSON.stringify([{ startDate: '2026-13-01', cost: 1 }]) })).toBe(
      "704 Invalid date format: costs[0].startDate '2026-13-01'",
    );
    expect(
      await error(1003, {
        costs: JSON.stringify([{ startDate: '2026-01-01', cost: 1 }]),
        tags: JSON.stringify([{ tagType: 'Channel', tagValue: 'Carrier Pigeon' }]),
      }),
    ).toBe("709 Tag value 'Carrier Pigeon' is not allowed for tag type 'Channel' (tags[0])");
    expect(await error(9999, { description: 'x' })).toBe('702 Program 9999 not found');
    const json = await f.call('POST', '/rest/asset/v1/program/1003.json', { json: { description: 'x' } });
    expect(json.body).toMatchObject({ success: false, errors: [{ code: '612' }] });
    const [program] = (await state('Program')).filter((p) => p.id === 1003);
    expect(program).toMatchObject({ costs: [], tags: { Channel: 'Tradeshow' } });
    f.emulator.configure({ rest: { costDecimals: 'accept' } });
    expect((await update(1003, decimal)).body).toMatchObject({
      success: true,
      result: [{ costs: [{ cost: 12.5 }] }],
    });
  });
});
