import { afterEach, describe, expect, it } from 'vitest';
import {
  startFaultProxy,
  type FaultProxy,
  type ProxiedRequest,
  type ProxyAnswer,
} from '../helpers/fault-proxy.js';
import { startPipeline, TRANSPORTS, type PipelineFixture, type TransportKind } from '../helpers/pipeline.js';

/**
 * Issue 19, "one decision per ambiguous answer": a gateway's HTTP 502 without a body (and REST's 604)
 * may come after Marketo ran the call, so a create that met one is INDETERMINATE over both wires, never
 * sent again; an update is sent again. A hop in front of the emulator answers the first sync call.
 */

let p: PipelineFixture | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await p?.close();
  await proxy?.close();
  p = undefined;
  proxy = undefined;
});

const isSync = (req: ProxiedRequest): boolean =>
  req.path.startsWith('/soap') || req.path === '/rest/v1/leads.json';
const gateway502: ProxyAnswer = {
  status: 502,
  headers: { 'Content-Type': 'text/html' },
  body: '<h1>Bad Gateway</h1>',
};
const rest604: ProxyAnswer = {
  status: 200,
  body: JSON.stringify({
    requestId: 'x',
    success: false,
    errors: [{ code: '604', message: 'Request time-out' }],
  }),
};

async function firstSyncAnswered(transport: TransportKind, answer: ProxyAnswer, dedupEnabled: boolean) {
  p = await startPipeline({}, {}, transport);
  proxy = await startFaultProxy(p.f.emulator.url);
  let faulted = 0;
  proxy.answer((req) => (isSync(req) && faulted++ === 0 ? answer : null));
  const { accepted } = await p.producer.enqueueLeads([
    { Email: 'amb@example.com', dedupEnabled, attributes: { FirstName: 'A' } },
  ]);
  const endpoint: Record<string, string> =
    transport === 'rest'
      ? { MARKETO_REST_ENDPOINT: proxy.url }
      : { MARKETO_SOAP_ENDPOINT: `${proxy.url}/soap/mktows/2_3` };
  await p.startWorker({}, endpoint);
  await p.drained();
  return {
    outcome: await p.producer.buffer.getOutcome(accepted[0]!.key),
    syncs: proxy.requests.filter(isSync).length,
  };
}

describe('a 502 without a body may have been applied, over both wires', () => {
  it.each(TRANSPORTS)('%s: a create is INDETERMINATE, not sent again', async (transport) => {
    const { outcome, syncs } = await firstSyncAnswered(transport, gateway502, false);
    expect(outcome?.status).toBe('INDETERMINATE');
    expect(syncs).toBe(1);
  });

  it.each(TRANSPORTS)('%s: an upsert is sent again and lands', async (transport) => {
    const { outcome, syncs } = await firstSyncAnswered(transport, gateway502, true);
    expect(outcome?.status).toMatch(/CREATED|UPDATED/);
    expect(syncs).toBe(2);
  });
});

describe('REST 604 (request time-out) may have written part of the call', () => {
  it('a create is INDETERMINATE, not sent again', async () => {
    const { outcome, syncs } = await firstSyncAnswered('rest', rest604, false);
    expect(outcome?.status).toBe('INDETERMINATE');
    expect(syncs).toBe(1);
  });
});
