import http from 'node:http';
import https from 'node:https';
import { safeUrl } from '../safe-url.js';
import { MarketoCallError, type CallApplied } from '../transport/contract.js';

/** Timeouts and caps of the HTTP exchanges with one Marketo REST instance. */
export interface RestHttpOptions {
  /**
   * Time to open a new TCP/TLS connection.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * Time from sending the request to having read the whole answer; above Sync Leads' 90 s server time.
   * @defaultValue 120000
   */
  responseTimeoutMs?: number;
  /**
   * Largest answer read; a longer one is cut off and is an error (the call is then indeterminate).
   * @defaultValue 4 MiB
   */
  maxResponseBytes?: number;
  /**
   * Sockets kept open per host for reuse.
   * @defaultValue 10
   */
  maxSockets?: number;
  /**
   * An idle kept-alive socket is closed after this long. Sending on a socket the server has just
   * closed fails after the request left, which makes the call indeterminate: closing ours first, well
   * within common server and load-balancer idle timeouts, avoids that.
   * @defaultValue 4000
   */
  idleSocketTimeoutMs?: number;
}

/** One request: everything but the host. */
export interface RestRequest {
  /** DELETE: Remove from List. */
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/rest/v1/leads.json`. Never carries a token. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** An answer, read whole and bounded. */
export interface RestAnswer {
  status: number;
  contentType: string;
  /** `Retry-After` in ms, when the answer carried one in seconds. */
  retryAfterMs?: number;
  /** A redirect's `Location`, shown as {@link safeUrl} shows URLs (no userinfo, query or fragment). */
  location?: string;
  body: string;
}

// Errors raised before a connection exists: the request cannot have reached Marketo.
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * HTTP(S) with keep-alive, connect and response timeouts, a size cap and abort. Every failure is a
 * {@link MarketoCallError} of category `transient` that says whether the request was sent whole:
 * before the body was handed to the socket it is `not-sent`, after that `indeterminate`.
 */
export class RestHttp {
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #connectTimeoutMs: number;
  readonly #responseTimeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(baseUrl: string, options: RestHttpOptions = {}) {
    this.#base = new URL(baseUrl);
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:')
      throw new TypeError(`REST endpoint must be an http or https URL, got ${this.#base.protocol}`);
    // The agent's `timeout` destroys sockets idle in its free list; a socket in use only gets a
    // 'timeout' event nobody acts on (the response timeout below governs requests).
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 10,
      timeout: options.idleSocketTimeoutMs ?? 4_000,
    };
    this.#agent =
      this.#base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#responseTimeoutMs = options.responseTimeoutMs ?? 120_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  }

  /** Sends one request and resolves with the whole answer, whatever its status. */
  request(req: RestRequest): Promise<RestAnswer> {
    // A base with a path (a proxy, or one emulator serving several instances under /i/<name>) keeps
    // it; a path already under it (the token path, derived from the identity URL) is taken as is.
    const prefix = this.#base.pathname.replace(/\/+$/, '');
    const url = new URL(
      prefix === '' || req.path.startsWith(`${prefix}/`) ? req.path : `${prefix}${req.path}`,
      this.#base,
    );
    const payload = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<RestAnswer>((resolve, reject) => {
      let settled = false;
      // True once the whole body was handed to the socket: from then on Marketo may act on it.
      let sent = false;
      const cleanups: (() => void)[] = [];
      const fail = (message: string, code: string, applied?: CallApplied, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        for (const c of cleanups) c();
        outgoing.destroy();
        reject(
          new MarketoCallError(
            message,
            { category: 'transient', code, applied: applied ?? (sent ? 'indeterminate' : 'not-sent') },
            cause === undefined ? undefined : { cause },
          ),
        );
      };
      if (req.signal?.aborted) {
        reject(
          new MarketoCallError('call abandoned before it was sent', {
            category: 'transient',
            code: 'aborted',
            applied: 'not-sent',
          }),
        );
        return;
      }
      const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
      if (payload) headers['Content-Length'] = String(payload.length);
      const outgoing = send(url, { method: req.method, agent: this.#agent, headers });
      const responseTimer = setTimeout(
        () => fail(`no complete answer within ${this.#responseTimeoutMs} ms`, 'response-timeout'),
        this.#responseTimeoutMs,
      );
      cleanups.push(() => clearTimeout(responseTimer));
      if (req.signal) {
        const onAbort = (): void =>
          fail(
            sent ? 'call abandoned while waiting for the answer' : 'call abandoned before it was sent',
            'aborted',
          );
        req.signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => req.signal!.removeEventListener('abort', onAbort));
      }
      outgoing.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; only a new one gets the connect deadline.
        if (socket.connecting) {
          const connectTimer = setTimeout(
            () =>
              fail(`could not connect within ${this.#connectTimeoutMs} ms`, 'connect-timeout', 'not-sent'),
            this.#connectTimeoutMs,
          );
          socket.once('connect', () => clearTimeout(connectTimer));
          socket.once('close', () => clearTimeout(connectTimer));
          cleanups.push(() => clearTimeout(connectTimer));
        }
      });
      outgoing.on('finish', () => {
        sent = true;
      });
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? 'network-error';
        // A refused or unresolvable connection, or a failed TLS handshake, happens before any request byte.
        const applied: CallApplied | undefined = CONNECT_CODES.has(code) ? 'not-sent' : undefined;
        fail(`HTTP request failed: ${code}`, code, applied, error);
      });
      outgoing.on('response', (res) => {
        // An answer proves the request arrived, whatever 'finish' said.
        sent = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxResponseBytes) {
            fail(`answer larger than ${this.#maxResponseBytes} bytes`, 'oversize-answer', 'indeterminate');
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) =>
          fail('reading the answer failed', 'answer-cut-off', 'indeterminate', error),
        );
        res.on('aborted', () => fail('the answer was cut off', 'answer-cut-off', 'indeterminate'));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          for (const c of cleanups) c();
          const answer: RestAnswer = {
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          };
          const retryAfter = Number(res.headers['retry-after']);
          if (Number.isFinite(retryAfter) && retryAfter >= 0) answer.retryAfterMs = retryAfter * 1000;
          const location = res.headers.location;
          if (typeof location === 'string' && location.length <= 2048)
            answer.location = URL.canParse(location, url.href)
              ? safeUrl(new URL(location, url).toString())
              : '(not a valid URL)';
          resolve(answer);
        });
      });
      outgoing.end(payload);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}
