import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An answer the proxy gives instead of forwarding; `null` forwards the request. */
export type ProxyAnswer = { status: number; headers?: Record<string, string>; body?: string } | null;

/**
 * A hostile or misconfigured hop in front of Marketo (the emulator), over real HTTP: it forwards every
 * request to `target` unless `answer` says otherwise, so a test can make the way to Marketo wrong (a
 * 404 path, a redirect, a 610, an Identity service that echoes the request) and then right again.
 */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: the proxy's base URL (paths are kept as sent). */
  readonly url: string;
  /** Every request seen, in order (bodies bounded to 64 KB). */
  readonly requests: readonly ProxiedRequest[];
  /** Replaces the rule; the default forwards everything. */
  answer(rule: (req: ProxiedRequest) => ProxyAnswer): void;
  close(): Promise<void>;
}

/** Starts a proxy in front of `target` (a base URL) on a free loopback port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  let rule: (req: ProxiedRequest) => ProxyAnswer = () => null;
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: raw.subarray(0, 64 * 1024).toString('utf8'),
      };
      requests.push(seen);
      const answer = rule(seen);
      if (answer !== null) {
        res.writeHead(answer.status, { 'Content-Type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body ?? '');
        return;
      }
      const forward = http.request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (answerRes) => {
          res.writeHead(answerRes.statusCode ?? 502, answerRes.headers);
          answerRes.pipe(res);
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
