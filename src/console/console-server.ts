import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../log.js';
import { bearerMatches, SessionStore } from './auth.js';
import { html } from './html.js';
import { HttpError, redirect, send } from './http-reply.js';
import type { ConsoleInstance } from './instance.js';
import { layout } from './pages/layout.js';
import { readPage } from './read-routes.js';
import { plainFrame, type RouteContext } from './route-context.js';
import { signIn, signOut } from './session-routes.js';
import { CONSOLE_CSS, CONSOLE_JS } from './static-assets.js';
import { checkedForm, writeAction } from './write-routes.js';

/** Options of the console's request handler. */
export interface ConsoleOptions {
  /** The instances it shows; the first is the default. */
  instances: readonly ConsoleInstance[];
  /** `MKTSYNC_CONSOLE_TOKEN`. */
  token: string;
  /** `MKTSYNC_CONSOLE_WRITE=on`. */
  write: boolean;
  /** The path it is served under (default `/console`). */
  base?: string;
  log?: Logger;
}

/** A request handler: false when the path is not the console's. */
export type ConsoleHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

/**
 * The operator console: server-rendered pages (overview, records, dead letters, reconcile runs) under
 * `base`, per instance. Signing in takes the console token and a name; every write needs writes
 * enabled, the session, its CSRF token and a same-origin request.
 */
export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  const names = options.instances.map((i) => i.name);
  const rc: RouteContext = {
    base: options.base ?? '/console',
    log: options.log ?? silentLogger,
    token: options.token,
    write: options.write,
    sessions: new SessionStore(),
    names,
    byName: new Map(options.instances.map((i) => [i.name, i])),
    defaultInstance: names[0]!,
  };
  const { base, byName } = rc;

  // The routing table: static assets and sign-in first (no session needed), then every post through
  // the session/origin/CSRF gate, then reads for a session or the bearer token.
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const method = req.method ?? 'GET';
    if (path === `${base}/static/console.css`)
      return (send(res, 200, 'text/css; charset=utf-8', CONSOLE_CSS), true);
    if (path === `${base}/static/console.js`)
      return (send(res, 200, 'text/javascript; charset=utf-8', CONSOLE_JS), true);
    if (path === `${base}/login`) {
      await signIn(rc, req, res, method);
      return true;
    }
    const session = rc.sessions.get(req);
    const bearer = bearerMatches(req, rc.token);
    if (method === 'POST') {
      const checked = await checkedForm(req, session);
      if (path === `${base}/logout`) signOut(rc, res, checked.session);
      else await writeAction(rc, res, path, checked.form, checked.session);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'GET or POST');
    if (!session && !bearer) {
      redirect(res, `${base}/login`);
      return true;
    }
    if (path === base || path === `${base}/`) {
      redirect(res, `${base}/i/${encodeURIComponent(rc.defaultInstance)}/`);
      return true;
    }
    if (path === `${base}/pick`) {
      const name = url.searchParams.get('instance') ?? '';
      if (!byName.has(name))
        throw new HttpError(404, `no instance ${name.slice(0, 64)} (known: ${names.join(', ')})`);
      redirect(res, `${base}/i/${encodeURIComponent(name)}/`);
      return true;
    }
    const m = new RegExp(`^${base}/i/([^/]+)(?:/(.*))?$`).exec(path);
    if (!m) throw new HttpError(404, `no page ${path.slice(0, 200)}`);
    const instance = byName.get(decodeURIComponent(m[1]!));
    if (!instance)
      throw new HttpError(
        404,
        `no instance ${decodeURIComponent(m[1]!).slice(0, 64)} (known: ${names.join(', ')})`,
      );
    const rest = (m[2] ?? '')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    await readPage(rc, res, url, instance, rest, session);
    return true;
  }

  return async (req, res) => {
    try {
      return await handle(req, res);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) rc.log.error('console: request failed', { error: (error as Error).message });
      const message =
        error instanceof HttpError ? error.message : 'the console could not answer; see the log';
      if (!res.headersSent)
        send(
          res,
          status,
          'text/html; charset=utf-8',
          layout(
            plainFrame(rc, `Error ${status}`),
            html`<p role="alert">${message}</p>
              <p><a href="${base}/">Back to the console</a></p>`,
          ),
        );
      return true;
    }
  };
}

/** A running console server. */
export interface ConsoleServer {
  /** `http://host:port/console/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the console on its own port (`mktsync console`). */
export async function startConsoleServer(
  options: ConsoleOptions & { port: number; host: string },
): Promise<ConsoleServer> {
  const handler = createConsoleHandler(options);
  const base = options.base ?? '/console';
  const server = http.createServer((req, res) => {
    void handler(req, res).then((served) => {
      if (served) return;
      if ((req.url ?? '/') === '/') {
        res.writeHead(303, { Location: `${base}/` });
        res.end();
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${address.port}${base}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
