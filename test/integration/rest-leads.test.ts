import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { restSchema, schemaProblems, startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';
import { startFixture } from '../helpers/emulator.js';

let f: RestFixture;
beforeEach(async () => {
  await f?.close();
  f = await startRestFixture();
});
afterAll(() => f?.close());

const responseSchema = restSchema('sync-leads-response');
const requestSchema = restSchema('sync-leads-request');

/** Sends Sync Leads, checks the request and the answer against the project's schemas, returns `result`. */
async function syncLeads(body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  expect(schemaProblems(requestSchema, body)).toBe('');
  const answer = await f.call('POST', '/rest/v1/leads.json', { json: body });
  expect(answer.status).toBe(200);
  expect(schemaProblems(responseSchema, answer.body)).toBe('');
  return answer.body.result as Record<string, unknown>[];
}
const skipped = (code: string, message: string | RegExp) => ({
  status: 'skipped',
  reasons: [{ code, message: typeof message === 'string' ? message : expect.stringMatching(message) }],
});
const leadsState = async () =>
  (await (await fetch(`${f.emulator.url}/_emulator/leads`)).json()) as {
    id: number;
    Email?: string;
    attributes: Record<string, string>;
  }[];

describe('REST Sync Leads', () => {
  it('createOnly creates, then skips an existing lead with 1005; one result per record, in input order', async () => {
    const created = await syncLeads({
      action: 'createOnly',
      lookupField: 'email',
      input: [
        { email: 'a@example.com', firstName: 'Ann', dateOfBirth: '1990-02-03' },
        { email: 'b@example.com', lastName: 'Bo', crmContactId: 'C-2' },
      ],
    });
    expect(created).toEqual([
      { id: expect.any(Number), status: 'created' },
      { id: expect.any(Number), status: 'created' },
    ]);
    const again = await syncLeads({
      action: 'createOnly',
      input: [{ email: 'c@example.com' }, { email: 'A@EXAMPLE.COM' }],
    });
    expect(again).toEqual([
      { id: expect.any(Number), status: 'created' },
      skipped('1005', 'Lead already exists'),
    ]);
    // The store keeps SOAP names, so the state API reads the same whichever transport wrote a lead.
    const a = (await leadsState()).find((l) => l.id === created[0]!.id)!;
    expect(a).toMatchObject({
      Email: 'a@example.com',
      attributes: { FirstName: 'Ann', DateofBirth: '1990-02-03' },
    });
    const log = await f.calls();
    const sync = log.filter((c) => c.operation === 'syncLeads');
    expect(sync.map((c) => [c.transport, c.action, c.lookupField, c.recordCount, c.status])).toEqual([
      ['rest', 'createOnly', 'email', 2, 'ok'],
      ['rest', 'createOnly', undefined, 2, 'ok'],
    ]);
    expect(sync[0]!.records).toEqual([
      { email: 'a@example.com', firstName: 'Ann', dateOfBirth: '1990-02-03' },
      { email: 'b@example.com', lastName: 'Bo', crmContactId: 'C-2' },
    ]);
  });

  it('updateOnly by id updates, skips an unknown id with 1004; id with any other action is 1003', async () => {
    const [lead] = await syncLeads({ input: [{ email: 'u@example.com', city: 'Köln' }] });
    const id = lead!.id as number;
    expect(
      await syncLeads({
        action: 'updateOnly',
        lookupField: 'id',
        input: [
          { id, city: 'Bonn' },
          { id: 999, city: 'x' },
        ],
      }),
    ).toEqual([{ id, status: 'updated' }, skipped('1004', 'Lead not found')]);
    expect((await leadsState())[0]!.attributes.City).toBe('Bonn');
    expect(
      await syncLeads({ action: 'createOrUpdate', lookupField: 'id', input: [{ id, city: 'x' }] }),
    ).toEqual([skipped('1003', /^Invalid data: id is allowed only with action updateOnly/)]);
    expect(await syncLeads({ action: 'updateOnly', input: [{ email: 'nobody@example.com' }] })).toEqual([
      skipped('1004', 'Lead not found'),
    ]);
  });

  it('createDuplicate always creates; then createOrUpdate and updateOnly by that email are 1007 (several matches)', async () => {
    const dup = await syncLeads({
      action: 'createDuplicate',
      input: [{ email: 'd@example.com' }, { email: 'd@example.com' }],
    });
    expect(dup.map((r) => r.status)).toEqual(['created', 'created']);
    expect(dup[0]!.id).not.toBe(dup[1]!.id);
    const many = skipped('1007', 'Multiple leads match the lookup criteria');
    expect(await syncLeads({ input: [{ email: 'd@example.com', city: 'x' }] })).toEqual([many]);
    expect(await syncLeads({ action: 'updateOnly', input: [{ email: 'd@example.com' }] })).toEqual([many]);
  });

  it('createOrUpdate creates then updates; the same key twice in one call is applied in order', async () => {
    const result = await syncLeads({
      input: [
        { email: 'o@example.com', firstName: 'One' },
        { email: 'o@example.com', firstName: 'Two' },
      ],
    });
    expect(result).toEqual([
      { id: result[0]!.id, status: 'created' },
      { id: result[0]!.id, status: 'updated' },
    ]);
    expect((await leadsState())[0]!.attributes.FirstName).toBe('Two');
  });

  it('skips only the record with a field the instance lacks (1006, naming it), or refuses the call when configured', async () => {
    const body = {
      input: [
        { email: 'x@example.com', FirstName: 'SOAP name' },
        { email: 'y@example.com', firstName: 'ok' },
      ],
    };
    // The project's request schema refuses SOAP names too: a client must map them through Describe.
    expect(schemaProblems(requestSchema, body)).toMatch(/^input\.0\.FirstName: /);
    const answer = await f.call('POST', '/rest/v1/leads.json', { json: body });
    expect(schemaProblems(responseSchema, answer.body)).toBe('');
    const result = answer.body.result;
    expect(result).toEqual([
      skipped('1006', "Field 'FirstName' not found"),
      { id: expect.any(Number), status: 'created' },
    ]);
    f.emulator.configure({ rest: { unknownField: 'call' } });
    const refused = await f.call('POST', '/rest/v1/leads.json', {
      json: { input: [{ email: 'z@example.com', shoeSize: 44 }] },
    });
    expect(refused.body).toMatchObject({
      success: false,
      errors: [{ code: '1006', message: "Field 'shoeSize' not found" }],
    });
    expect(schemaProblems(restSchema('call-error-response'), refused.body)).toBe('');
    expect(await leadsState()).toHaveLength(1);
  });

  it('bounds the names it echoes in reasons and errors, however long the request made them', async () => {
    const long = `z${'x'.repeat(10_000)}`;
    const answer = await f.call('POST', '/rest/v1/leads.json', {
      json: { lookupField: long, partitionName: long, input: [{ email: 'b@example.com', [long]: 1 }] },
    });
    const [result] = answer.body.result as { reasons: { code: string; message: string }[] }[];
    expect(result!.reasons[0]!.code).toBe('1006');
    expect(result!.reasons[0]!.message.length).toBeLessThan(130);
    f.emulator.configure({ rest: { unknownField: 'call' } });
    const input = [Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${long}${i}`, 1]))];
    const refused = await f.call('POST', '/rest/v1/leads.json', { json: { input } });
    const [error] = refused.body.errors as { code: string; message: string }[];
    expect(error!.message).toMatch(/ and 40 more not found$/);
    expect(error!.message.length).toBeLessThan(1200);
  });

  it('looks up by a custom field; a standard non-key field is 1011, an unknown one 1006, a missing value 1002', async () => {
    const [created] = await syncLeads({
      lookupField: 'crmContactId',
      input: [{ crmContactId: 'C-9', email: 'c9@example.com' }],
    });
    expect(
      await syncLeads({ lookupField: 'crmContactId', input: [{ crmContactId: 'C-9', lastName: 'Nine' }] }),
    ).toEqual([{ id: created!.id, status: 'updated' }]);
    expect(await syncLeads({ lookupField: 'firstName', input: [{ firstName: 'x' }] })).toEqual([
      skipped('1011', "Field 'firstName' not supported"),
    ]);
    expect(await syncLeads({ lookupField: 'shoeSize', input: [{ email: 'q@example.com' }] })).toEqual([
      skipped('1006', "Field 'shoeSize' not found"),
    ]);
    expect(await syncLeads({ input: [{ firstName: 'no email' }] })).toEqual([
      skipped('1002', "Missing value for required parameter 'email'"),
    ]);
  });

  it('checks values against the field type (1001) and partitions (1008)', async () => {
    expect(await syncLeads({ input: [{ email: 'n@example.com', numberOfEmployees: 'many' }] })).toEqual([
      skipped('1001', "Invalid value 'many'. Required of type 'integer'"),
    ]);
    expect(await syncLeads({ input: [{ email: 'ü@example.com' }] })).toEqual([
      skipped('1001', "Invalid value 'ü@example.com'. Required of type 'email'"),
    ]);
    expect(await syncLeads({ partitionName: 'Elsewhere', input: [{ email: 'p@example.com' }] })).toEqual([
      skipped('1008', "Access denied to partition 'Elsewhere'"),
    ]);
    expect(await syncLeads({ partitionName: 'Default', input: [{ email: 'p@example.com' }] })).toEqual([
      { id: expect.any(Number), status: 'created' },
    ]);
  });

  it('refuses whole calls with success:false: bad action, no input, over 300 records, bad JSON, wrong content type, GET without a filter, PUT, unknown path', async () => {
    const code = async (
      options: Parameters<RestFixture['call']>[2],
      method = 'POST',
      path = '/rest/v1/leads.json',
    ) => {
      const answer = await f.call(method, path, options);
      expect(answer.status).toBe(200);
      expect(schemaProblems(restSchema('call-error-response'), answer.body)).toBe('');
      const [error] = answer.body.errors as { code: string; message: string }[];
      return `${error!.code} ${error!.message}`;
    };
    expect(await code({ json: { action: 'upsert', input: [{ email: 'a@example.com' }] } })).toBe(
      "1003 Invalid value 'upsert' for action: must be one of createOnly, updateOnly, createOrUpdate, createDuplicate",
    );
    expect(await code({ json: { action: 'createOnly' } })).toBe('701 input cannot be blank');
    const many = Array.from({ length: 301 }, (_, i) => ({ email: `m${i}@example.com` }));
    expect(await code({ json: { input: many } })).toBe(
      '1003 Batch size 301 exceeds the maximum of 300 records',
    );
    expect(await code({ raw: { body: '{"input": [', contentType: 'application/json' } })).toBe(
      '609 Invalid JSON',
    );
    expect(await code({ raw: { body: '{}', contentType: 'text/plain' } })).toMatch(/^612 /);
    // GET on the same path is Get Leads by Filter Type (a read), which needs its filter.
    expect(await code({}, 'GET')).toBe('1003 The filterType and filterValues parameters are required');
    expect(await code({}, 'PUT')).toMatch(/^605 HTTP Method not supported/);
    expect(await code({}, 'GET', '/rest/v1/nothing.json')).toMatch(/^610 Requested resource not found/);
    expect(await leadsState()).toEqual([]);
    // Over 300 is processed when configured (Adobe does not say what happens).
    f.emulator.configure({ rest: { oversize: 'accept' } });
    const accepted = await f.call('POST', '/rest/v1/leads.json', { json: { input: many } });
    expect((accepted.body.result as unknown[]).length).toBe(301);
    f.emulator.configure({ rest: { asyncProcessing: 'refuse' } });
    expect(await code({ json: { asyncProcessing: true, input: [{ email: 'a@example.com' }] } })).toMatch(
      /^1003 asyncProcessing/,
    );
  });

  it('turns record rules into REST terms: a failing record is skipped (1003 unless a REST code is given), a fault refuses the call (709)', async () => {
    f.emulator.configure({
      faults: {
        recordRules: [
          { match: { email: 'bad@example.com' }, effect: 'fail' },
          {
            match: { attribute: { name: 'City', value: 'Nowhere' } },
            effect: 'fail',
            code: 1007,
            message: 'Injected',
          },
          { match: { email: 'boom@example.com' }, effect: 'fault', times: 1 },
        ],
      },
    });
    expect(
      await syncLeads({
        input: [
          { email: 'bad@example.com' },
          { email: 'ok@example.com', city: 'Nowhere' },
          { email: 'fine@example.com' },
        ],
      }),
    ).toEqual([
      skipped('1003', 'Lead sync failed (injected)'),
      skipped('1007', 'Injected'),
      { id: expect.any(Number), status: 'created' },
    ]);
    const fault = await f.call('POST', '/rest/v1/leads.json', {
      json: { input: [{ email: 'boom@example.com' }] },
    });
    expect(fault.body).toMatchObject({ success: false, errors: [{ code: '709' }] });
  });

  it('describes every lead field with its REST and SOAP names (describe.json) and the searchable fields (describe2.json)', async () => {
    const described = await f.call('GET', '/rest/v1/leads/describe.json');
    const fields = described.body.result as {
      rest: { name: string };
      soap: { name: string };
      dataType: string;
    }[];
    const pairs = new Map(fields.map((x) => [x.rest.name, x.soap.name]));
    expect(pairs.get('firstName')).toBe('FirstName');
    expect(pairs.get('dateOfBirth')).toBe('DateofBirth');
    expect(pairs.get('sicCode')).toBe('SICCode');
    expect(pairs.get('crmContactId')).toBe('crmContactId');
    expect(fields.find((x) => x.rest.name === 'email')).toMatchObject({
      dataType: 'email',
      id: expect.any(Number),
    });
    const two = await f.call('GET', '/rest/v1/leads/describe2.json');
    const [lead] = two.body.result as {
      name: string;
      searchableFields: string[][];
      fields: { name: string }[];
    }[];
    expect(lead!.name).toBe('API Lead');
    expect(lead!.searchableFields).toEqual(expect.arrayContaining([['email'], ['id'], ['crmContactId']]));
    expect(lead!.fields.map((x) => x.name)).toContain('firstName');
  });
});

describe('REST lead fields follow the seed', () => {
  it('knows a custom field added at run time, in Describe and in Sync Leads', async () => {
    expect(await syncLeads({ input: [{ email: 's@example.com', shoeSize: '44' }] })).toEqual([
      skipped('1006', "Field 'shoeSize' not found"),
    ]);
    f.emulator.configure({ seed: { customLeadFields: ['shoeSize'], tags: {}, programs: [], companies: [] } });
    expect(await syncLeads({ input: [{ email: 's@example.com', shoeSize: '44' }] })).toEqual([
      { id: expect.any(Number), status: 'created' },
    ]);
    const fields = (await f.call('GET', '/rest/v1/leads/describe.json')).body.result as {
      rest: { name: string };
    }[];
    expect(fields.map((x) => x.rest.name)).toContain('shoeSize');
  });
});

describe('REST and SOAP on one emulator', () => {
  it('share one lead store, one call log (with the transport) and one set of limits', async () => {
    const soap = await startFixture({
      rest: { clientId: 'id', clientSecret: 'secret' },
      limits: { rateCalls: 2 },
    });
    try {
      const [soapLead] = await soap.client.syncMultipleLeads([
        { Email: 'both@example.com', attributes: [{ name: 'FirstName', value: 'Soap' }] },
      ]);
      const token = (await (
        await fetch(
          `${soap.emulator.identityEndpoint}/oauth/token?grant_type=client_credentials&client_id=id&client_secret=secret`,
        )
      ).json()) as { access_token: string };
      const post = () =>
        fetch(`${soap.emulator.restEndpoint}/rest/v1/leads.json`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            action: 'updateOnly',
            input: [{ email: 'both@example.com', firstName: 'Rest' }],
          }),
        }).then((r) => r.json() as Promise<Record<string, unknown>>);
      expect((await post()).result).toEqual([{ id: soapLead!.leadId, status: 'updated' }]);
      expect(soap.emulator.leads.get(soapLead!.leadId)!.attributes.FirstName).toBe('Rest');
      // Two admitted calls (one SOAP, one REST) fill the rate window of 2: the third is 606.
      expect(await post()).toMatchObject({ success: false, errors: [{ code: '606' }] });
      const log = soap.emulator.calls.since(0);
      expect(log.map((c) => [c.transport, c.operation, c.status, c.faultCode])).toEqual([
        ['soap', 'syncMultipleLeads', 'ok', undefined],
        ['rest', 'identity', 'ok', undefined],
        ['rest', 'syncLeads', 'ok', undefined],
        ['rest', 'syncLeads', 'fault', 606],
      ]);
    } finally {
      await soap.close();
    }
  });
});
