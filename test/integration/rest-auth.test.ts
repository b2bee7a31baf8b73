import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { restSchema, schemaProblems, startRestFixture, type RestFixture } from '../helpers/rest-emulator.js';

let f: RestFixture;
afterEach(() => f?.close());

const identity = async (query: Record<string, string>, init: RequestInit = {}) => {
  const url = new URL(`${f.emulator.identityEndpoint}/oauth/token`);
  url.search = new URLSearchParams(query).toString();
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const good = () => ({
  grant_type: 'client_credentials',
  client_id: f.clientId,
  client_secret: f.clientSecret,
});
const describeLeads = (token: string | null) => f.call('GET', '/rest/v1/leads/describe.json', { token });
const errorCode = (body: Record<string, unknown>) =>
  body.success === false ? (body.errors as { code: string }[])[0]!.code : 'success';
const stats = async () =>
  (await (await fetch(`${f.emulator.url}/_emulator/stats`)).json()) as Record<string, unknown>;

describe('REST identity', () => {
  it('issues a bearer token by GET or POST (query or form) and the same token with its remaining lifetime until it expires', async () => {
    f = await startRestFixture();
    const first = await identity(good());
    expect(first.status).toBe(200);
    expect(schemaProblems(restSchema('identity-response'), first.body)).toBe('');
    expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: expect.any(String) });
    const again = await identity(good(), { method: 'POST' });
    expect(again.body.access_token).toBe(first.body.access_token);
    expect(again.body.expires_in).toBeLessThanOrEqual(3600);
    const form = await fetch(`${f.emulator.identityEndpoint}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(good()).toString(),
    });
    expect(((await form.json()) as Record<string, unknown>).access_token).toBe(first.body.access_token);
    // Identity calls are not counted against the limits, and show in the call log as REST calls.
    expect(await stats()).toMatchObject({
      quotaUsed: 0,
      callsByTransport: { soap: 0, rest: 3 },
      rest: { tokenRequests: 3, tokensIssued: 1, tokenValid: true },
    });
    const log = await f.calls();
    expect(log.map((c) => [c.transport, c.operation, c.status, c.httpStatus])).toEqual([
      ['rest', 'identity', 'ok', 200],
      ['rest', 'identity', 'ok', 200],
      ['rest', 'identity', 'ok', 200],
    ]);
  });

  it('refuses bad credentials with HTTP 401 and a missing grant type with 400, never echoing the secret', async () => {
    f = await startRestFixture();
    const wrong = await identity({ ...good(), client_secret: 'nope' });
    expect(wrong).toEqual({
      status: 401,
      body: { error: 'unauthorized', error_description: 'Bad client credentials' },
    });
    expect((await identity({ ...good(), client_id: 'other' })).status).toBe(401);
    const noGrant = await identity({ client_id: f.clientId, client_secret: f.clientSecret });
    expect(noGrant).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Missing grant type' },
    });
    expect((await identity({ ...good(), grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    const config = await (await fetch(`${f.emulator.url}/_emulator/config`)).text();
    const log = await (await fetch(`${f.emulator.url}/_emulator/calls`)).text();
    expect(config).toContain('"clientSecret":"(hidden)"');
    for (const text of [config, log]) expect(text).not.toContain(f.clientSecret);
  });

  it('refuses every client while no REST client is configured, saying which settings are missing', async () => {
    f = await startRestFixture({ rest: { clientId: undefined, clientSecret: undefined } });
    const answer = await identity(good());
    expect(answer.status).toBe(401);
    expect(answer.body.error_description).toMatch(/rest\.clientId and rest\.clientSecret/);
  });

  // Use before expiry is proven on a simulated clock (test/unit/token-store.test.ts): over HTTP on a
  // loaded machine a call may take longer than a short lifetime.
  it('answers 602 on the first use of an expired token, 601 after, and a new token from identity works', async () => {
    f = await startRestFixture({ rest: { tokenTtlSeconds: 0.3 } });
    const old = await f.token();
    await sleep(400);
    expect(errorCode((await describeLeads(old)).body)).toBe('602');
    expect(errorCode((await describeLeads(old)).body)).toBe('601');
    // A lifetime that cannot run out during the rest of the test.
    f.emulator.configure({ rest: { tokenTtlSeconds: 3600 } });
    const renewed = await f.token();
    expect(renewed).not.toBe(old);
    expect(errorCode((await describeLeads(renewed)).body)).toBe('success');
    expect(errorCode((await describeLeads(old)).body)).toBe('601');
    expect((await stats()).rest).toMatchObject({ tokensIssued: 2 });
  });

  it('expires the token on demand: 602 once, then 601; the identity service then issues a new one', async () => {
    f = await startRestFixture();
    const token = await f.token();
    expect(
      await (await fetch(`${f.emulator.url}/_emulator/rest/expire-token`, { method: 'POST' })).json(),
    ).toEqual({
      expired: true,
    });
    expect((await describeLeads(token)).body).toMatchObject({
      success: false,
      errors: [{ code: '602', message: 'Access token expired' }],
    });
    expect((await describeLeads(token)).body).toMatchObject({
      errors: [{ code: '601', message: 'Access token invalid' }],
    });
    const next = await f.token();
    expect(next).not.toBe(token);
    expect(errorCode((await describeLeads(next)).body)).toBe('success');
    // Neither 601 nor 602 counts against the quota; the describe that succeeded does.
    expect(await stats()).toMatchObject({ quotaUsed: 1 });
  });

  it('needs the Authorization header: none is 600, an unknown token 601, the access_token query parameter is refused unless configured', async () => {
    f = await startRestFixture();
    expect(errorCode((await describeLeads(null)).body)).toBe('600');
    expect(errorCode((await describeLeads('made-up')).body)).toBe('601');
    const token = await f.token();
    const byQuery = await f.call('GET', `/rest/v1/leads/describe.json?access_token=${token}`, {
      token: null,
    });
    expect(errorCode(byQuery.body)).toBe('600');
    f.emulator.configure({ rest: { accessTokenQuery: 'accept' } });
    const accepted = await f.call('GET', `/rest/v1/leads/describe.json?access_token=${token}`, {
      token: null,
    });
    expect(errorCode(accepted.body)).toBe('success');
  });

  it('answers expires_in 0 with a still valid token when told to (rest.faults.expiresInZero)', async () => {
    f = await startRestFixture({ rest: { faults: { expiresInZero: 1 } } });
    const zero = await identity(good());
    expect(zero.body.expires_in).toBe(0);
    expect(errorCode((await describeLeads(zero.body.access_token as string)).body)).toBe('success');
    expect((await identity(good())).body.expires_in).toBeGreaterThan(0);
  });

  it('fails identity requests on demand: HTTP 502, a reset connection, HTTP 401', async () => {
    f = await startRestFixture({ rest: { faults: { identityFailNext: { calls: 1, effect: 502 } } } });
    const gateway = await fetch(`${f.emulator.identityEndpoint}/oauth/token?${new URLSearchParams(good())}`);
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toContain('Bad Gateway');
    f.emulator.configure({ rest: { faults: { identityFailNext: { calls: 1, effect: 'reset' } } } });
    await expect(identity(good())).rejects.toThrow();
    f.emulator.configure({ rest: { faults: { identityFailNext: { calls: 1, effect: 401 } } } });
    expect((await identity(good())).status).toBe(401);
    expect((await identity(good())).status).toBe(200);
  });

  it('logs an identity body over its limit as http-413, and a body cut off by the client as rejected without a status', async () => {
    f = await startRestFixture();
    const big = await fetch(`${f.emulator.identityEndpoint}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...good(), pad: 'x'.repeat(70_000) }).toString(),
    });
    expect(big.status).toBe(413);
    // A body announced at 1,000 bytes, cut off after 10.
    const socket = connect(f.emulator.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      'POST /identity/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 1000\r\n\r\ngrant_type',
    );
    while (f.emulator.calls.since().length < 2) await sleep(10);
    socket.destroy();
    while (f.emulator.calls.since()[1]!.status === 'pending') await sleep(10);
    expect(f.emulator.calls.since().map((c) => [c.operation, c.status, c.httpStatus])).toEqual([
      ['identity', 'http-413', 413],
      ['identity', 'rejected', undefined],
    ]);
  });
});
