import http from 'node:http';
import https from 'node:https';
import { TransportError } from './faults.js';

/** Timeouts and caps of the HTTP exchange with Marketo. */
export interface TransportOptions {
  /**
   * Time to open a new TCP/TLS connection.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * Time from sending the request to having read the whole answer. Marketo answers 300-lead calls in
   * seconds; a hung call must not hold a batch for ever.
   * @defaultValue 60000
   */
  responseTimeoutMs?: number;
  /**
   * Largest answer accepted; anything longer is cut off and is an error.
   * @defaultValue 8 MiB
   */
  maxResponseBytes?: number;
  /**
   * Sockets kept open per host for reuse.
   * @defaultValue 16
   */
  maxSockets?: number;
}

/** An HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** POSTs XML over keep-alive connections with timeouts and a size cap; one instance per endpoint. */
export class HttpTransport {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #connectTimeoutMs: number;
  readonly #responseTimeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(endpoint: string, options: TransportOptions = {}) {
    this.#url = new URL(endpoint);
    if (this.#url.protocol !== 'http:' && this.#url.protocol !== 'https:') {
      throw new TypeError(`endpoint must be an http or https URL, got ${this.#url.protocol}`);
    }
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.#agent =
      this.#url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Sends `body` and resolves with the whole answer; rejects with {@link TransportError}, whose `sent`
   * says whether the whole request had been written when it failed. `signal` abandons the exchange.
   */
  post(body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
    const payload = Buffer.from(body, 'utf8');
    const request = this.#url.protocol === 'https:' ? https.request : http.request;
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      // Until the last byte of the request is handed to the network, Marketo cannot hold the whole
      // request, so cannot have applied it: such a failure may be resent. After it, nobody knows.
      let sent = false;
      const fail = (message: string, status?: number, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(responseTimer);
        signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(new TransportError(message, status, { sent, ...(cause !== undefined ? { cause } : {}) }));
      };
      const onAbort = (): void => fail('the call was abandoned by its caller (shutdown deadline)');
      if (signal?.aborted) {
        reject(new TransportError('the call was abandoned before it started', undefined, { sent: false }));
        return;
      }
      const req = request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...headers, 'Content-Length': String(payload.length) },
      });
      const responseTimer = setTimeout(
        () => fail(`no complete answer within ${this.#responseTimeoutMs} ms`),
        this.#responseTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('finish', () => (sent = true));
      req.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; only a new one gets the connect deadline.
        if (socket.connecting) {
          const connectTimer = setTimeout(
            () => fail(`could not connect within ${this.#connectTimeoutMs} ms`),
            this.#connectTimeoutMs,
          );
          socket.once('connect', () => clearTimeout(connectTimer));
          socket.once('close', () => clearTimeout(connectTimer));
        }
      });
      req.on('error', (error) => fail(`HTTP request failed: ${error.message}`, undefined, error));
      req.on('response', (res) => {
        // An answer is arriving: Marketo had the request, whatever happens to the answer now.
        sent = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxResponseBytes) {
            fail(`answer larger than ${this.#maxResponseBytes} bytes`, res.statusCode);
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) =>
          fail(`reading the answer failed: ${error.message}`, res.statusCode, error),
        );
        res.on('aborted', () => fail('the answer was cut off', res.statusCode));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(responseTimer);
          signal?.removeEventListener('abort', onAbort);
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.end(payload);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}
