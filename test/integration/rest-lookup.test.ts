import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedObject } from '../../src/emulator/mobject-store.js';
import { RestTransport } from '../../src/rest/client.js';
import type { TransportCall } from '../../src/transport/contract.js';
import { startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

/**
 * The lookup by key behind PROBABLY_CREATED's id over REST (Get Opportunities by
 * externalOpportunityId), against the emulator over HTTP: found, not found, refused, and what it costs.
 */

let f: RestFixture | undefined;
let transport: RestTransport | undefined;
afterEach(async () => {
  transport?.close();
  await f?.close();
});

const opportunities = (values: readonly string[]): TransportCall => ({
  group: { kind: 'object', type: 'Opportunity', operation: 'INSERT' },
  records: values.map((value) => ({
    type: 'Opportunity' as const,
    externalKey: { name: 'crmOpportunityId', value },
    attributes: { Name: `Deal ${value}` },
  })),
});

async function start(admitted: string[] = []): Promise<RestTransport> {
  f = await startRestFixture();
  transport = new RestTransport({
    endpoint: f.emulator.restEndpoint,
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    admitLookup: () => {
      admitted.push('lookup');
      return Promise.resolve(true);
    },
  });
  return transport;
}

describe('looking up opportunities by their key over REST', () => {
  it('finds the marketoGUID of each one Marketo has, says why for the one it has not, and writes nothing', async () => {
    const admitted: string[] = [];
    const t = await start(admitted);
    await t.send(opportunities(['a-1', 'a-2']));
    const stored = f!.emulator.mobjects.list('Opportunity') as EmulatedObject[];
    const guid = new Map(stored.map((o) => [o.externalKey!.value, o.marketoGUID]));
    const since = f!.emulator.calls.total;

    const found = await t.findIds(opportunities(['a-2', 'missing', 'a-1']));

    expect(found).toEqual([
      { id: guid.get('a-2') },
      { id: null, why: expect.stringMatching(/no Opportunity with this key/) as unknown },
      { id: guid.get('a-1') },
    ]);
    // One GET for the three keys, one rate token for it; nothing else was sent or changed.
    const calls = f!.emulator.calls.since(since).filter((c) => c.operation !== 'identity');
    expect(calls.map((c) => `${c.operation} ${c.status}`)).toEqual(['queryOpportunities ok']);
    expect(admitted).toEqual(['lookup']);
    expect(f!.emulator.mobjects.list('Opportunity')).toHaveLength(2);
  });

  it('a lookup Marketo refuses leaves every id null with the reason, and is not retried', async () => {
    const t = await start();
    await t.send(opportunities(['b-1']));
    const since = f!.emulator.calls.total;
    f!.emulator.configure({ rest: { faults: { failNext: { calls: 1, code: 606 } } } });

    const found = await t.findIds(opportunities(['b-1']));

    expect(found).toEqual([
      { id: null, why: expect.stringMatching(/^the lookup by key failed: .*606/) as unknown },
    ]);
    const calls = f!.emulator.calls.since(since).filter((c) => c.operation !== 'identity');
    expect(calls.map((c) => c.status)).toEqual(['fault']);
  });

  it('the emulator refuses a query without its filter, naming it (1003)', async () => {
    await start();
    const answer = await f!.call('GET', '/rest/v1/opportunities.json?filterType=name&filterValues=x');
    expect(answer.body).toMatchObject({ success: false, errors: [{ code: '1003' }] });
  });
});
