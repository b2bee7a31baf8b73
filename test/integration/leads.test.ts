import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MarketoFault } from '../../src/soap/faults.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterEach(() => {
  f.emulator.reset();
  f.emulator.configure({
    unknownAttribute: 'fault',
    unknownElements: 'ignore',
    duplicateKeys: 'in-order',
    batch: { oversizeLeads: 'accept' },
  });
});
afterAll(() => f.close());

describe('syncMultipleLeads round trip', () => {
  it('creates, then updates by email case-insensitively', async () => {
    const [created] = await f.client.syncMultipleLeads([
      { Email: 'Ann@Example.com', attributes: [{ name: 'FirstName', value: 'Ann' }] },
    ]);
    expect(created).toMatchObject({ status: 'CREATED' });
    const [updated] = await f.client.syncMultipleLeads([
      { Email: 'ann@example.COM', attributes: [{ name: 'LastName', value: 'Lee' }] },
    ]);
    expect(updated).toEqual({ leadId: created!.leadId, status: 'UPDATED' });
    expect(f.emulator.leads.get(created!.leadId)!.attributes).toEqual({ FirstName: 'Ann', LastName: 'Lee' });
  });

  it('text that looks like an entity arrives as written (xmlbuilder2 passed "&amp;" and "&nbsp;" through unescaped)', async () => {
    const values = ['Tom &amp; Jerry', 'a&nbsp;b', '&#38;', '&lt;b&gt;', '& amp;', 'AT&T'];
    const results = await f.client.syncMultipleLeads(
      values.map((value, i) => ({
        Email: `entity${i}@example.com`,
        attributes: [{ name: 'Company', value }],
      })),
    );
    expect(results.map((r) => r.status)).toEqual(values.map(() => 'CREATED'));
    expect(results.map((r) => f.emulator.leads.get(r.leadId)!.attributes['Company'])).toEqual(values);
  });

  it('re-sending identical data answers UPDATED', async () => {
    const record = { Email: 'same@example.com', attributes: [{ name: 'City', value: 'Bonn' }] };
    await f.client.syncMultipleLeads([record]);
    expect((await f.client.syncMultipleLeads([record]))[0]!.status).toBe('UPDATED');
  });

  it('matches Id before ForeignSysPersonId before Email, and updates the lower keys', async () => {
    const [a, b] = await f.client.syncMultipleLeads([
      { Email: 'a@example.com', ForeignSysPersonId: 'crm-a', ForeignSysType: 'SFDC' },
      { Email: 'b@example.com' },
    ]);
    // Id wins over a ForeignSysPersonId and an Email that name other leads; the FSPID moves to lead b.
    const [byId] = await f.client.syncMultipleLeads([
      { Id: b!.leadId, ForeignSysPersonId: 'crm-b', ForeignSysType: 'SFDC', Email: 'a@example.com' },
    ]);
    expect(byId).toEqual({ leadId: b!.leadId, status: 'UPDATED' });
    expect(f.emulator.leads.get(b!.leadId)).toMatchObject({
      ForeignSysPersonId: 'crm-b',
      Email: 'b@example.com',
    });
    // ForeignSysPersonId wins over Email.
    const [byForeign] = await f.client.syncMultipleLeads([
      { ForeignSysPersonId: 'crm-a', ForeignSysType: 'SFDC', Email: 'b@example.com' },
    ]);
    expect(byForeign!.leadId).toBe(a!.leadId);
    // Email as a key is not written; as an attribute it is.
    expect(f.emulator.leads.get(a!.leadId)!.Email).toBe('a@example.com');
    await f.client.syncMultipleLeads([
      { Id: a!.leadId, attributes: [{ name: 'Email', value: 'new-a@example.com' }] },
    ]);
    expect(f.emulator.leads.get(a!.leadId)!.Email).toBe('new-a@example.com');
    const [byNewEmail] = await f.client.syncMultipleLeads([{ Email: 'NEW-A@example.com' }]);
    expect(byNewEmail!.leadId).toBe(a!.leadId);
  });

  it('dedupEnabled=false always creates; with duplicates the most recently created lead wins', async () => {
    const [first] = await f.client.syncMultipleLeads([{ Email: 'dup@example.com' }]);
    const [second] = await f.client.syncMultipleLeads([{ Email: 'dup@example.com' }], {
      dedupEnabled: false,
    });
    expect(second!.status).toBe('CREATED');
    expect(second!.leadId).not.toBe(first!.leadId);
    const [match] = await f.client.syncMultipleLeads([{ Email: 'dup@example.com' }], { dedupEnabled: true });
    expect(match).toEqual({ leadId: second!.leadId, status: 'UPDATED' });
  });

  it('answers FAILED for a record with an unknown Id while the rest succeed', async () => {
    const results = await f.client.syncMultipleLeads([{ Id: 999 }, { Email: 'ok@example.com' }]);
    expect(results[0]).toEqual({ leadId: 0, status: 'FAILED', error: '20103 - Lead not found: Id 999' });
    expect(results[1]!.status).toBe('CREATED');
  });

  it('faults the whole call with 20105 naming an unknown field, changing nothing', async () => {
    const call = f.client.syncMultipleLeads([
      { Email: 'fine@example.com' },
      { Email: 'p@example.com', attributes: [{ name: 'pants', value: 'x' }] },
    ]);
    await expect(call).rejects.toMatchObject({
      code: 20105,
      category: 'invalid-record',
      message: expect.stringMatching(/unknown fields for import: pants/),
    });
    expect(f.emulator.leads.size).toBe(0);
  });

  it('in record mode, fails only the record with the unknown field', async () => {
    f.emulator.configure({ unknownAttribute: 'record' });
    const results = await f.client.syncMultipleLeads([
      { Email: 'fine@example.com' },
      { Email: 'p@example.com', attributes: [{ name: 'pants', value: 'x' }] },
    ]);
    expect(results.map((r) => r.status)).toEqual(['CREATED', 'FAILED']);
    expect(results[1]!.error).toMatch(/^20105 - unknown fields for import: pants/);
  });

  it('accepts the configured custom fields', async () => {
    const [r] = await f.client.syncMultipleLeads([
      { Email: 'c@example.com', attributes: [{ name: 'lifecycleStage', value: 'MQL' }] },
    ]);
    expect(r!.status).toBe('CREATED');
  });

  it('applies a key repeated in one call in order, or creates a duplicate in duplicate mode', async () => {
    const inOrder = await f.client.syncMultipleLeads([
      { Email: 'r@example.com', attributes: [{ name: 'City', value: 'one' }] },
      { Email: 'r@example.com', attributes: [{ name: 'City', value: 'two' }] },
    ]);
    expect(inOrder.map((r) => r.status)).toEqual(['CREATED', 'UPDATED']);
    expect(f.emulator.leads.get(inOrder[0]!.leadId)!.attributes.City).toBe('two');
    f.emulator.configure({ duplicateKeys: 'duplicate' });
    const dup = await f.client.syncMultipleLeads([{ Email: 's@example.com' }, { Email: 's@example.com' }]);
    expect(dup.map((r) => r.status)).toEqual(['CREATED', 'CREATED']);
  });

  it('accepts more than 300 leads (slower), or faults 20110 in strict mode', async () => {
    f.emulator.configure({ batch: { oversizeLatencyMsPerRecord: 1 } });
    const many = Array.from({ length: 310 }, (_, i) => ({ Email: `m${i}@example.com` }));
    const started = Date.now();
    expect(await f.client.syncMultipleLeads(many)).toHaveLength(310);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10);
    f.emulator.configure({ batch: { oversizeLeads: 'fault' } });
    await expect(f.client.syncMultipleLeads(many)).rejects.toMatchObject({ code: 20110 });
  });

  it('ignores unknown leadRecord elements by default, faults on them in strict mode', async () => {
    const { postRaw } = await import('../helpers/emulator.js');
    const { signRequest, w3cTimestamp } = await import('../../src/soap/signature.js');
    const ts = w3cTimestamp();
    const body = (extra: string): string =>
      `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.marketo.com/mktows/">` +
      `<SOAP-ENV:Header><ns1:AuthenticationHeader><mktowsUserId>${f.credentials.userId}</mktowsUserId>` +
      `<requestSignature>${signRequest(f.credentials.encryptionKey, ts, f.credentials.userId)}</requestSignature>` +
      `<requestTimestamp>${ts}</requestTimestamp></ns1:AuthenticationHeader></SOAP-ENV:Header><SOAP-ENV:Body>` +
      `<ns1:paramsSyncMultipleLeads><leadRecordList><leadRecord>${extra}<Email>u@example.com</Email></leadRecord></leadRecordList>` +
      `</ns1:paramsSyncMultipleLeads></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const lenient = await postRaw(f.emulator.endpoint, body('<id>5</id>'));
    expect(lenient.status).toBe(200);
    expect(lenient.text).toContain('<status>CREATED</status>');
    f.emulator.configure({ unknownElements: 'fault' });
    const strict = await postRaw(f.emulator.endpoint, body('<id>5</id>'));
    expect(strict.status).toBe(500);
    expect(strict.text).toContain('<code>20012</code>');
  });

  it('rejects a fault as an error, never a result', async () => {
    await expect(
      f.newClient({ encryptionKey: 'wrong' }).syncMultipleLeads([{ Email: 'x@example.com' }]),
    ).rejects.toBeInstanceOf(MarketoFault);
  });
});
