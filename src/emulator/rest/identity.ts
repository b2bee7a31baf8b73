import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { CallLog } from '../call-log.js';
import type { RestConfig } from './rest-config.js';
import { BodyTooLarge, readBoundedBody } from '../request-body.js';
import { sendGatewayPage, sendRestJson } from './rest-http.js';
import type { TokenStore } from './token-store.js';

/**
 * The identity service, `GET|POST /identity/oauth/token` with `grant_type=client_credentials`,
 * `client_id` and `client_secret` in the query string (a form-encoded POST body is read too). It is
 * not counted against the limits and is never hit by the shared fault injection, only by
 * `rest.faults.identityFailNext` and `rest.faults.expiresInZero`.
 */

const MAX_IDENTITY_BODY = 64 * 1024;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function handleIdentity(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  context: { rest: RestConfig; tokens: TokenStore; calls: CallLog },
): Promise<void> {
  const { rest, tokens, calls } = context;
  const entry = calls.start('identity', 'rest');
  const finish = (status: string, httpStatus: number): void => {
    entry.httpStatus = httpStatus;
    calls.finish(entry, status);
  };
  const failNext = rest.faults.identityFailNext;
  let forced401 = false;
  if (failNext && failNext.calls > 0) {
    failNext.calls--;
    forced401 = failNext.effect === 401;
    if (failNext.effect === 'reset') {
      calls.finish(entry, 'reset');
      req.socket.destroy();
      return;
    }
    if (failNext.effect === 'hang') {
      calls.finish(entry, 'hang');
      req.resume();
      return;
    }
    if (failNext.effect !== 401) {
      finish(`http-${failNext.effect}`, failNext.effect);
      req.resume();
      sendGatewayPage(res, failNext.effect);
      return;
    }
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    finish('rejected', 405);
    req.resume();
    return sendRestJson(res, 405, { error: 'method_not_allowed', error_description: 'use GET or POST' });
  }
  const params = new URLSearchParams(url.searchParams);
  if (req.method === 'POST') {
    let body: Buffer;
    try {
      body = await readBoundedBody(req, MAX_IDENTITY_BODY);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        finish('http-413', 413);
        return sendGatewayPage(res, 413);
      }
      // The body never arrived whole (the client went away): nothing was answered.
      calls.finish(entry, 'rejected');
      req.socket.destroy();
      return;
    }
    if (/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? ''))
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!params.has(k)) params.set(k, v);
  }
  const grantType = params.get('grant_type');
  if (grantType !== 'client_credentials') {
    finish('refused', 400);
    return sendRestJson(res, 400, {
      error: grantType === null ? 'invalid_request' : 'unsupported_grant_type',
      error_description: grantType === null ? 'Missing grant type' : 'grant_type: must be client_credentials',
    });
  }
  const clientId = params.get('client_id') ?? '';
  const clientSecret = params.get('client_secret') ?? '';
  const good =
    rest.clientId !== undefined &&
    rest.clientSecret !== undefined &&
    sameSecret(clientId, rest.clientId) &&
    sameSecret(clientSecret, rest.clientSecret);
  if (!good || forced401) {
    finish('refused', 401);
    return sendRestJson(res, 401, {
      error: 'unauthorized',
      error_description:
        rest.clientId === undefined || rest.clientSecret === undefined
          ? 'No REST client is configured (rest.clientId and rest.clientSecret)'
          : 'Bad client credentials',
    });
  }
  const { token, remainingMs } = tokens.issue(rest.tokenTtlSeconds * 1000);
  let expiresIn = Math.ceil(remainingMs / 1000);
  if (rest.faults.expiresInZero > 0) {
    rest.faults.expiresInZero--;
    expiresIn = 0;
  }
  finish('ok', 200);
  sendRestJson(res, 200, {
    access_token: token,
    token_type: 'bearer',
    expires_in: expiresIn,
    scope: rest.scope,
  });
}
