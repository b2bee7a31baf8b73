import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(() => f.close());

const get = async (path: string) => {
  const response = await fetch(`${f.emulator.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown };
};
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${f.emulator.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('emulator state over HTTP', () => {
  it('lists leads, objects and calls in order, with the records as received', async () => {
    await f.client.syncMultipleLeads(
      [{ Email: 'a@example.com', attributes: [{ name: 'City', value: 'Köln' }] }],
      { dedupEnabled: false },
    );
    await f.client.syncMObjects(
      [{ type: 'Opportunity', externalKey: { name: 'k', value: 'O-1' } }],
      'INSERT',
    );
    const leads = await get('/_emulator/leads');
    expect(leads.body).toMatchObject([{ Email: 'a@example.com', attributes: { City: 'Köln' } }]);
    expect((await get('/_emulator/mobjects?type=Opportunity')).body).toMatchObject([
      { externalKey: { value: 'O-1' } },
    ]);
    expect((await get('/_emulator/mobjects?type=Program')).body).toHaveLength(4);
    const calls = (await get('/_emulator/calls')).body as Record<string, unknown>[];
    expect(calls.map((c) => [c.seq, c.operation, c.recordCount, c.status])).toEqual([
      [1, 'syncMultipleLeads', 1, 'ok'],
      [2, 'syncMObjects', 1, 'ok'],
    ]);
    expect(calls[0]).toMatchObject({ dedupEnabled: false, records: [{ Email: 'a@example.com' }] });
    expect(calls[1]).toMatchObject({ mobjectOperation: 'INSERT' });
    expect((await get('/_emulator/calls?since=1')).body).toHaveLength(1);
  });

  it('refuses an unknown object type naming the parameter', async () => {
    expect(await get('/_emulator/mobjects?type=Lead')).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^type: must be Program/) },
    });
  });

  it('changes limits, modes and seed data at run time, and refuses bad config naming the field', async () => {
    const ok = await post('/_emulator/config', {
      limits: { rateCalls: 5 },
      seed: { customLeadFields: ['shoeSize'], tags: {}, programs: [], companies: [] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ limits: { rateCalls: 5, concurrency: 10 }, encryptionKey: '(hidden)' });
    expect(JSON.stringify(ok.body)).not.toContain(f.credentials.encryptionKey);
    const [r] = await f.client.syncMultipleLeads([
      { Email: 's@example.com', attributes: [{ name: 'shoeSize', value: '44' }] },
    ]);
    expect(r!.status).toBe('CREATED');
    const bad = await post('/_emulator/config', { limits: { rateCalls: -1 }, faults: { resetRate: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/limits\.rateCalls: .*; faults\.resetRate: /);
    expect((await post('/_emulator/config', 'not json')).body.error).toBe('body: not valid JSON');
  });

  it('resets state', async () => {
    expect((await post('/_emulator/reset', {})).status).toBe(200);
    expect((await get('/_emulator/leads')).body).toEqual([]);
    expect((await get('/_emulator/calls')).body).toEqual([]);
    expect((await get('/_emulator/stats')).body).toMatchObject({ calls: 0, leads: 0, quotaUsed: 0 });
  });

  it('serves its WSDL for any version, with its own address, whatever the case of ?wsdl', async () => {
    for (const query of ['WSDL', 'wsdl']) {
      const response = await fetch(`${f.emulator.url}/soap/mktows/2_9?${query}`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text).toContain(`<soap:address location="${f.emulator.url}/soap/mktows/2_9"/>`);
      expect(text).toContain('<wsdl:operation name="syncMObjects">');
    }
  });
});

describe('the call log after a client gave up', () => {
  it('marks a call whose client closed the connection before its answer, and applies it all the same', async () => {
    f.emulator.configure({ faults: { latency: { fixedMs: 400 } } });
    const impatient = f.newClient({ responseTimeoutMs: 100, transportRetries: 0 });
    const before = f.emulator.calls.total;
    await expect(
      impatient.syncMultipleLeads([{ Email: 'gone@example.com', attributes: [] }]),
    ).rejects.toThrow(/no complete answer within 100 ms/);
    f.emulator.configure({ faults: { latency: { fixedMs: 0 } } });
    await f.client.syncMultipleLeads([{ Email: 'kept@example.com', attributes: [] }]);
    // The first call is answered (to nobody) once its latency is over.
    for (let i = 0; i < 100 && f.emulator.calls.since(before)[0]?.status === 'pending'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const [gone, kept] = f.emulator.calls.since(before);
    expect(gone).toMatchObject({ status: 'ok', recordCount: 1, clientGone: true });
    expect(kept).toMatchObject({ status: 'ok', recordCount: 1 });
    expect(kept!.clientGone).toBeUndefined();
    expect(f.emulator.leads.all().map((l) => l.Email)).toEqual(
      expect.arrayContaining(['gone@example.com', 'kept@example.com']),
    );
  });
});
