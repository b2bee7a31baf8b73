import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A worker process's HTTP port: `/livez`, `/readyz`, `/metrics`, and the routes a caller adds (the
 * operator console, the queue view). One for a single-instance worker and for a process serving many
 * instances (`worker.ts`, `instances-worker.ts`).
 */

/** A route served under a path prefix; answers whether it served the request (else 404). */
export interface PrefixRoute {
  prefix: string;
  /** Which paths it takes, when not `prefix` and what is under `prefix/`. */
  matches?(path: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean>;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  /** The Prometheus exposition and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Why the process is not ready, or null. */
  notReadyReason(): Promise<string | null>;
  /** More routes, tried in order before `/metrics` and `/readyz`. */
  routes?: readonly PrefixRoute[];
}

export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/livez') return reply(200, { ok: true });
    const route = options.routes?.find((r) =>
      r.matches ? r.matches(path) : path === r.prefix || path.startsWith(`${r.prefix}/`),
    );
    if (route) {
      route.handle(req, res, path).then(
        (served) => {
          if (!served) reply(404, { error: `no route ${path}` });
        },
        (error: unknown) => reply(500, { error: (error as Error).message }),
      );
      return;
    }
    if (path === '/metrics') {
      options.metrics().then(
        ({ contentType, text }) => {
          res.writeHead(200, { 'Content-Type': contentType });
          res.end(text);
        },
        (error: unknown) => reply(500, { error: `metrics: ${(error as Error).message}` }),
      );
      return;
    }
    if (path === '/readyz') {
      options.notReadyReason().then(
        (reason) => (reason === null ? reply(200, { ready: true }) : reply(503, { ready: false, reason })),
        (error: unknown) => reply(503, { ready: false, reason: (error as Error).message }),
      );
      return;
    }
    reply(404, { error: `no route ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return { server, url: `http://${host}:${address.port}` };
}
