import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpStatusError, ResponseFormatError, SoapError, TransportError } from '../../src/soap/faults.js';
import { startFixture, type EmulatorFixture } from '../helpers/emulator.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterEach(() => {
  f.emulator.reset();
  f.emulator.configure({ faults: { failNext: null, latency: null } });
});
afterAll(() => f.close());

const lead = (n: number) => ({ Email: `t${n}@example.com` });

async function failure(call: Promise<unknown>): Promise<SoapError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SoapError);
  return error as SoapError;
}

/** A hostile endpoint: answers every request with `respond`; counts requests. */
async function hostile(respond: (res: http.ServerResponse) => void) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => respond(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    client: (idempotentCalls = 2) =>
      f.newClient({
        endpoint: `http://127.0.0.1:${port}/soap/mktows/2_3`,
        transportRetries: idempotentCalls,
      }),
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('not sent or indeterminate', () => {
  it('connection refused: not sent (transient), so even a create is retried inside the call', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = f.newClient({ endpoint: `http://127.0.0.1:${port}/soap/mktows/2_3`, transportRetries: 0 });
    const error = await failure(client.syncMultipleLeads([lead(1)], { dedupEnabled: false }));
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ sent: false, category: 'transient' });
  });

  it('a reset after the request was sent is indeterminate: a create is not resent, an upsert is', async () => {
    f.emulator.configure({ faults: { failNext: { calls: 2, effect: 'reset' } } });
    const error = await failure(f.client.syncMultipleLeads([lead(1)], { dedupEnabled: false }));
    expect(error).toMatchObject({ sent: true, category: 'indeterminate' });
    expect(f.emulator.calls.since().map((c) => c.status)).toEqual(['reset']);
    f.emulator.reset();
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    expect((await f.client.syncMultipleLeads([lead(2)]))[0]!.status).toBe('UPDATED');
    expect(f.emulator.calls.since().map((c) => c.status)).toEqual(['applied-reset', 'ok']);
  });

  it('an INSERT whose answer is lost is not resent inside the call', async () => {
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-reset' } } });
    const error = await failure(
      f.client.syncMObjects([{ type: 'Opportunity', externalKey: { name: 'k', value: 'v1' } }], 'INSERT'),
    );
    expect(error.category).toBe('indeterminate');
    expect(f.emulator.calls.since().map((c) => c.status)).toEqual(['applied-reset']);
    expect(f.emulator.mobjects.list('Opportunity')).toHaveLength(1);
  });

  it('a response timeout after the request was sent is indeterminate', async () => {
    f.emulator.configure({ faults: { failNext: { calls: 1, effect: 'apply-then-hang' } } });
    const client = f.newClient({ responseTimeoutMs: 300 });
    const error = await failure(client.syncMultipleLeads([lead(3)], { dedupEnabled: false }));
    expect(error).toMatchObject({ sent: true, category: 'indeterminate' });
    expect(f.emulator.leads.size).toBe(1);
  });

  it('HTTP 503 without a SOAP body: not sent (retried); 502, 504 or a bare 500: indeterminate (a create is not retried)', async () => {
    f.emulator.configure({ faults: { failNext: { calls: 2, effect: 503 } } });
    expect((await f.client.syncMultipleLeads([lead(4)], { dedupEnabled: false }))[0]!.status).toBe('CREATED');
    expect(f.emulator.calls.since().map((c) => c.status)).toEqual(['http-503', 'http-503', 'ok']);
    for (const status of [502, 504, 500]) {
      const gateway = await hostile((res) =>
        res.writeHead(status, { 'Content-Type': 'text/html' }).end('<html/>'),
      );
      const error = await failure(gateway.client().syncMultipleLeads([lead(5)], { dedupEnabled: false }));
      expect(error).toBeInstanceOf(HttpStatusError);
      expect(error.category).toBe('indeterminate');
      expect(gateway.requests()).toBe(1);
      await gateway.close();
    }
  });

  it('an answer cut off or malformed is indeterminate', async () => {
    const cut = await hostile((res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': '1000' });
      res.write('<?xml version="1.0"?><SOAP-ENV:Envelope');
      setTimeout(() => res.destroy(), 20);
    });
    const error = await failure(cut.client().syncMultipleLeads([lead(6)], { dedupEnabled: false }));
    expect(error).toMatchObject({ sent: true, category: 'indeterminate' });
    expect(cut.requests()).toBe(1);
    await cut.close();
    const html = await hostile((res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>ok</html>'),
    );
    const malformed = await failure(html.client().syncMultipleLeads([lead(7)], { dedupEnabled: false }));
    expect(malformed).toBeInstanceOf(ResponseFormatError);
    expect(malformed.category).toBe('indeterminate');
    await html.close();
  });
});

describe('a stopping caller', () => {
  it('starts no attempt once noNewAttempts is aborted, and abandons the attempt in flight at abandon', async () => {
    const stop = new AbortController();
    stop.abort();
    const notStarted = await failure(f.client.syncMultipleLeads([lead(8)], { noNewAttempts: stop.signal }));
    expect(notStarted).toMatchObject({ sent: false, category: 'transient' });
    expect(f.emulator.calls.since()).toEqual([]);

    f.emulator.configure({ faults: { latency: { fixedMs: 2_000 } } });
    const abandon = new AbortController();
    setTimeout(() => abandon.abort(), 200);
    const abandoned = await failure(f.client.syncMultipleLeads([lead(9)], { abandon: abandon.signal }));
    expect(abandoned).toMatchObject({ sent: true, category: 'indeterminate' });
    expect(abandoned.message).toMatch(/abandoned/);
    // An idempotent call is not retried either once the caller stops.
    expect(f.emulator.calls.since()).toHaveLength(1);
  });

  it('a transport retry does not start after noNewAttempts, even for an idempotent call', async () => {
    f.emulator.configure({ faults: { failNext: { calls: 3, effect: 503 } } });
    const stop = new AbortController();
    const client = f.newClient();
    client.onAttempt(() => stop.abort());
    await failure(client.syncMultipleLeads([lead(10)], { noNewAttempts: stop.signal }));
    expect(f.emulator.calls.since().map((c) => c.status)).toEqual(['http-503']);
  });
});
