import { describe, expect, it } from 'vitest';
import type { RestAnswer, RestHttp, RestRequest } from '../../src/rest/http.js';
import { TokenManager } from '../../src/rest/token.js';
import { MarketoCallError } from '../../src/transport/contract.js';

/**
 * The token manager against a stand-in Identity service with Marketo's documented behaviour (a token
 * lives 3,600 s; asking before it expires returns the same token and its remaining life) on a
 * simulated clock: how many Identity requests a worker makes per hour.
 */
function identity(clock: { now: number }) {
  let current: { value: string; expiresAt: number } | undefined;
  let issued = 0;
  const requests: RestRequest[] = [];
  const http = {
    request: (req: RestRequest): Promise<RestAnswer> => {
      requests.push(req);
      if (!current || current.expiresAt <= clock.now)
        current = { value: `tok-${++issued}`, expiresAt: clock.now + 3_600_000 };
      const body = JSON.stringify({
        access_token: current.value,
        token_type: 'bearer',
        expires_in: Math.floor((current.expiresAt - clock.now) / 1000),
      });
      return Promise.resolve({ status: 200, contentType: 'application/json', body });
    },
  } as unknown as RestHttp;
  return { http, requests, issued: () => issued };
}

describe('token requests per worker per hour', () => {
  it('a worker calling every second for 24 h asks Identity at most twice per token', async () => {
    const clock = { now: 0 };
    const id = identity(clock);
    const tokens = new TokenManager(id.http, {
      clientId: 'c',
      clientSecret: 's',
      tokenPath: '/identity/oauth/token',
      now: () => clock.now,
    });
    const seen = new Set<string>();
    for (let s = 0; s < 24 * 3600; s++) {
      clock.now = s * 1000;
      seen.add(await tokens.token());
    }
    // 24 tokens; per token one request that gets it and one early renewal that returns it again.
    expect(id.issued()).toBe(24);
    expect(id.requests.length).toBe(48); // without the "same token" rule: 1,464 (61 per token)
    expect(id.requests.length / 24).toBeLessThanOrEqual(2);
    expect(seen.size).toBe(24);
    expect(tokens.stats.forcedRenewals).toBe(0);
  });

  it('sends the credentials to the token path in a POST form body, never in the URL', async () => {
    const clock = { now: 0 };
    const id = identity(clock);
    await new TokenManager(id.http, {
      clientId: 'c',
      clientSecret: 's3cret',
      tokenPath: '/identity/oauth/token',
    }).token();
    const request = id.requests[0]!;
    expect(request.path).toBe('/identity/oauth/token');
    expect(request.method).toBe('POST');
    expect(request.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'c',
      client_secret: 's3cret',
    });
  });

  it('an expires_in 100,000 levels deep is a malformed Identity answer, not a RangeError', async () => {
    const depth = 100_000;
    const http = {
      request: () =>
        Promise.resolve({
          status: 200,
          contentType: 'application/json',
          body: `{"access_token":"tok","expires_in":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        }),
    } as unknown as RestHttp;
    const error = await new TokenManager(http, { clientId: 'c', clientSecret: 's', tokenPath: '/t' })
      .token()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MarketoCallError);
    expect(error).toMatchObject({ code: 'malformed-answer', applied: 'not-sent' });
  });

  it('a refused token is renewed once for every caller that held it', async () => {
    const clock = { now: 0 };
    const id = identity(clock);
    const tokens = new TokenManager(id.http, {
      clientId: 'c',
      clientSecret: 's',
      tokenPath: '/t',
      now: () => clock.now,
    });
    const first = await tokens.token();
    clock.now = 3_600_000; // Marketo has expired it; every caller holding it is refused together
    const renewed = await Promise.all([tokens.renew(first), tokens.renew(first), tokens.renew(first)]);
    expect(new Set(renewed)).toEqual(new Set(['tok-2']));
    expect(id.requests).toHaveLength(2);
    expect(tokens.stats.forcedRenewals).toBe(1);
  });
});

describe('a hostile Identity answer', () => {
  const answering = (accessToken: string) =>
    ({
      request: (): Promise<RestAnswer> =>
        Promise.resolve({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ access_token: accessToken, token_type: 'bearer', expires_in: 3599 }),
        }),
    }) as unknown as RestHttp;

  it.each([
    ['a line break (it could not travel in a header)', 'abc\r\nX-Injected: 1'],
    ['a space', 'abc def'],
    ['2 MB', 't'.repeat(2_000_000)],
  ])('a token with %s is malformed, and the call it was for not sent', async (_, value) => {
    const tokens = new TokenManager(answering(value), { clientId: 'c', clientSecret: 's', tokenPath: '/t' });
    const error = await tokens.token().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MarketoCallError);
    expect(error).toMatchObject({ code: 'malformed-answer', applied: 'not-sent' });
    expect((error as Error).message).not.toContain(value.slice(0, 8));
  });
});
