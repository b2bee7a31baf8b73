import type http from 'node:http';

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: with it a browser sends `Origin: null` on the console's own posts.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

/** A refusal the console answers with its status and message (shown to the operator as a page). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers with the console's security headers on every response. */
export function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string,
  headers = {},
): void {
  res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...headers });
  res.end(body);
}

/** A 303 to `to`: after a post, so that reloading the page does not post again. */
export function redirect(res: http.ServerResponse, to: string, headers = {}): void {
  send(res, 303, 'text/plain; charset=utf-8', `see ${to}`, { Location: to, ...headers });
}
