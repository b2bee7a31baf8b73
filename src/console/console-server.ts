import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OUTCOME_STATUSES } from '../vocabulary/outcome-statuses.js';
import { silentLogger, type Logger } from '../log.js';
import { bearerMatches, sameOrigin, sameSecret, sessionCookie, SessionStore, type Session } from './auth.js';
import {
  auditLog,
  deadLetterFacets,
  isFacet,
  listDeadLetters,
  OPERATOR_NAME,
  redriveDeadLetters,
  resolutionOf,
  resolveRecord,
  VERDICTS,
  type Verdict,
} from './dead-letters.js';
import { html, layout, type Frame, type Html, type PageId } from './html.js';
import type { ConsoleInstance } from './instance.js';
import { keyLabel } from './key-label.js';
import { readOverview } from './overview.js';
import {
  deadLettersPage,
  loginPage,
  overviewPage,
  recordPage,
  recordsPage,
  runPage,
  runsPage,
  type PageContext,
} from './pages.js';
import { searchRecords, type RecordQuery } from './record-search.js';
import { cancelRunNow, readRun, readRuns, runScheduleNow } from './reconcile-view.js';
import { CONSOLE_CSS, CONSOLE_JS } from './static-assets.js';

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

const MAX_FORM_BYTES = 64 * 1024;
const CHART_BIN_MINUTES = 10;
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: with it a browser sends `Origin: null` on the console's own posts.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw new HttpError(415, 'a form (application/x-www-form-urlencoded) is expected');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, `the form is over ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A datetime-local value (read as UTC) as epoch ms, or undefined. */
function utcTime(text: string | null): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw new HttpError(400, `not a time: ${text.slice(0, 40)}`);
  return ms;
}

/**
 * The operator console: server-rendered pages (overview, records, dead letters, reconcile runs) under
 * `base`, per instance. Signing in takes the console token and a name; every write needs writes
 * enabled, the session, its CSRF token and a same-origin request.
 */
export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  const base = options.base ?? '/console';
  const log = options.log ?? silentLogger;
  const sessions = new SessionStore();
  const names = options.instances.map((i) => i.name);
  const byName = new Map(options.instances.map((i) => [i.name, i]));
  const defaultInstance = names[0]!;

  const send = (res: http.ServerResponse, status: number, type: string, body: string, headers = {}): void => {
    res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...headers });
    res.end(body);
  };
  const redirect = (res: http.ServerResponse, to: string, headers = {}): void =>
    send(res, 303, 'text/plain; charset=utf-8', `see ${to}`, { Location: to, ...headers });
  const page = (
    res: http.ServerResponse,
    frame: Omit<Frame, 'base' | 'instances' | 'writable'>,
    body: Html,
  ): void =>
    send(
      res,
      200,
      'text/html; charset=utf-8',
      layout({ ...frame, base, instances: names, writable: options.write }, body),
    );

  async function get(
    res: http.ServerResponse,
    url: URL,
    instance: ConsoleInstance,
    rest: string[],
    session: Session | null,
  ): Promise<void> {
    const root = `${base}/i/${encodeURIComponent(instance.name)}`;
    const ctx: PageContext = { root, csrf: session?.csrf ?? '', writable: options.write && session !== null };
    const flash = session?.flash;
    if (session) delete session.flash;
    const frame = (title: string, id: PageId, refresh = false) => ({
      title,
      page: id,
      instance: instance.name,
      ...(session ? { who: session.who, csrf: session.csrf } : {}),
      ...(flash ? { flash } : {}),
      ...(refresh ? { refresh } : {}),
    });
    const [section = '', ...more] = rest;
    const buffer = instance.buffer;
    if (section === '' && more.length === 0) {
      const o = await readOverview(instance, { hours: 6, binMinutes: CHART_BIN_MINUTES });
      return page(
        res,
        frame('Overview', 'overview'),
        overviewPage(ctx, o, instance.dailyQuota, CHART_BIN_MINUTES),
      );
    }
    if (section === 'records' && more.length === 0) {
      const p = url.searchParams;
      const status = p.get('status') || undefined;
      if (status !== undefined && !(OUTCOME_STATUSES as readonly string[]).includes(status))
        throw new HttpError(400, `status: one of ${OUTCOME_STATUSES.join(', ')}`);
      const query: RecordQuery & { sinceText?: string; untilText?: string } = {};
      for (const k of ['key', 'code', 'field'] as const) {
        const v = p.get(k)?.trim();
        if (v) query[k] = v.slice(0, 300);
      }
      if (status) query.status = status;
      const since = utcTime(p.get('since'));
      const until = utcTime(p.get('until'));
      if (since !== undefined) {
        query.since = since;
        query.sinceText = p.get('since')!;
      }
      if (until !== undefined) {
        query.until = until;
        query.untilText = p.get('until')!;
      }
      const offset = Number(p.get('offset') ?? 0);
      if (Number.isSafeInteger(offset) && offset > 0) query.offset = offset;
      const searched = [...p.keys()].some((k) => k !== 'offset' && p.get(k));
      const result = searched ? await searchRecords(buffer.redis, buffer.keys, query) : null;
      const nextParams = new URLSearchParams(p);
      if (result?.next) nextParams.set('offset', String(result.next));
      return page(
        res,
        frame('Records', 'records'),
        recordsPage(
          ctx,
          query,
          result?.hits ?? null,
          result?.next ?? null,
          `${root}/records?${nextParams.toString()}`,
        ),
      );
    }
    if (section === 'records' && more.length === 1) {
      const key = more[0]!;
      const [outcome, deadLetters, resolution] = await Promise.all([
        buffer.getOutcome(key),
        buffer.view.deadLettersOf([key]),
        resolutionOf(buffer, key),
      ]);
      const dead = deadLetters[0] ?? null;
      return page(
        res,
        frame(`Record ${keyLabel(key)}`, 'records'),
        recordPage(ctx, key, outcome, dead, resolution),
      );
    }
    if (section === 'dlq' && more.length === 0) {
      const facetText = url.searchParams.get('facet') || undefined;
      if (facetText !== undefined && !isFacet(facetText))
        throw new HttpError(400, 'facet: s:STATUS, c:CODE or d:FIELD');
      const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const [facets, list] = await Promise.all([
        deadLetterFacets(buffer),
        listDeadLetters(buffer, { ...(facetText ? { facet: facetText } : {}), offset, limit: 200 }),
      ]);
      const statuses = new Map<string, string>();
      const outcomes = await buffer.outcomes.latestOf(list.letters.map((d) => d.key));
      list.letters.forEach((d, i) => {
        const outcome = outcomes[i];
        if (outcome) statuses.set(d.key, outcome.status);
      });
      return page(
        res,
        frame('Dead letters', 'dlq'),
        deadLettersPage(ctx, facets, facetText, list.total, list.letters, statuses),
      );
    }
    if (section === 'runs' && more.length === 0) {
      const { runs, schedules } = await readRuns(instance);
      return page(res, frame('Reconcile runs', 'runs'), runsPage(ctx, runs, schedules));
    }
    if (section === 'runs' && more.length === 1) {
      const run = await readRun(instance, more[0]!);
      if (!run)
        throw new HttpError(404, `no run ${more[0]!.slice(0, 80)} (finished runs are kept for 500 runs)`);
      const going = run.state !== 'completed' && run.state !== 'failed';
      return page(res, frame(`Run ${run.run}`, 'runs', going), runPage(ctx, run));
    }
    if (section === 'audit' && more.length === 0) {
      const entries = await auditLog(buffer.redis, buffer.keys.base, 100);
      return page(
        res,
        frame('Operator actions', 'overview'),
        html`<pre>${entries.map((e) => JSON.stringify(e)).join('\n')}</pre>`,
      );
    }
    throw new HttpError(404, `no page ${url.pathname.slice(0, 200)}`);
  }

  async function post(
    res: http.ServerResponse,
    instance: ConsoleInstance,
    action: string,
    form: URLSearchParams,
    session: Session,
  ): Promise<void> {
    const root = `${base}/i/${encodeURIComponent(instance.name)}`;
    const buffer = instance.buffer;
    const who = session.who;
    if (action === 'dlq/redrive') {
      const facet = form.get('facet') || null;
      const keys = form.getAll('key').filter((k) => k.length > 0 && k.length <= 1024);
      if (facet !== null && !isFacet(facet)) throw new HttpError(400, 'facet: s:STATUS, c:CODE or d:FIELD');
      if (!facet && keys.length === 0) throw new HttpError(400, 'key: select at least one dead letter');
      const done = await redriveDeadLetters(buffer, facet ? { facet } : { keys }, who);
      log.info('console: dead letters redriven', { count: done.length, by: who });
      session.flash = `Redriven: ${done.length} record${done.length === 1 ? '' : 's'} put back for sending.`;
      return redirect(res, `${root}/dlq`);
    }
    if (action === 'resolve') {
      const key = form.get('key') ?? '';
      const verdict = form.get('verdict') ?? '';
      if (!key) throw new HttpError(400, 'key: required');
      if (!(VERDICTS as readonly string[]).includes(verdict))
        throw new HttpError(400, 'verdict: created or resend');
      const id = form.get('id')?.trim();
      const result = await resolveRecord(buffer, key, verdict as Verdict, who, {
        retentionSec: instance.outcomeRetentionSec,
        streamMaxLen: instance.outcomeStreamMaxLen,
        ...(id ? { marketoId: id } : {}),
      });
      if (result.result === 'unknown') throw new HttpError(404, `no outcome for ${key.slice(0, 200)}`);
      if (result.result === 'refused') throw new HttpError(409, `cannot resolve: ${result.why}`);
      log.info('console: record resolved', { key, verdict, by: who });
      session.flash =
        verdict === 'created'
          ? 'Resolved: confirmed created in Marketo.'
          : `Resolved: not created; ${result.redriven ? 'put back to be sent again' : 'it was no longer a dead letter'}.`;
      return redirect(res, `${root}/records/${encodeURIComponent(key)}`);
    }
    if (action === 'runs/run-now') {
      const name = form.get('schedule') ?? '';
      const run = await runScheduleNow(instance, name);
      if (run === null) throw new HttpError(404, `no schedule ${name.slice(0, 80)}`);
      session.flash = `Run ${run} started from schedule ${name}.`;
      return redirect(res, `${root}/runs/${encodeURIComponent(run)}`);
    }
    if (action === 'runs/cancel') {
      const run = form.get('run') ?? '';
      const result = await cancelRunNow(instance, run);
      session.flash = `Run ${run}: ${result}.`;
      return redirect(res, `${root}/runs`);
    }
    throw new HttpError(404, `no action ${action.slice(0, 80)}`);
  }

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
      if (method === 'GET') {
        send(res, 200, 'text/html; charset=utf-8', layout(loginFrame(), loginPage(base, '')));
        return true;
      }
      if (method !== 'POST') throw new HttpError(405, 'GET or POST');
      if (!sameOrigin(req)) throw new HttpError(403, 'refused: the request does not come from the console');
      const form = await readForm(req);
      const name = (form.get('name') ?? '').trim();
      if (!sameSecret(form.get('token') ?? '', options.token)) {
        log.warn('console: sign-in refused (wrong token)');
        send(res, 401, 'text/html; charset=utf-8', layout(loginFrame(), loginPage(base, '', 'Wrong token.')));
        return true;
      }
      if (!OPERATOR_NAME.test(name)) {
        send(
          res,
          400,
          'text/html; charset=utf-8',
          layout(loginFrame(), loginPage(base, '', 'Name: 1–64 letters, digits, spaces or .@_-')),
        );
        return true;
      }
      const session = sessions.create(name);
      redirect(res, `${base}/`, { 'Set-Cookie': sessionCookie(base, session.id) });
      return true;
    }
    const session = sessions.get(req);
    const bearer = bearerMatches(req, options.token);
    if (method === 'POST') {
      if (!session) throw new HttpError(401, 'refused: sign in with the console token first');
      if (!sameOrigin(req)) throw new HttpError(403, 'refused: the request does not come from the console');
      const form = await readForm(req);
      if (!sameSecret(form.get('csrf') ?? '', session.csrf))
        throw new HttpError(403, 'refused: the form is not from this session (reload the page)');
      if (path === `${base}/logout`) {
        sessions.drop(session.id);
        redirect(res, `${base}/login`, { 'Set-Cookie': sessionCookie(base, null) });
        return true;
      }
      if (!options.write)
        throw new HttpError(
          403,
          'read-only: set MKTSYNC_CONSOLE_WRITE=on to redrive, resolve, run or cancel',
        );
      const m = new RegExp(`^${base}/i/([^/]+)/(.+)$`).exec(path);
      const instance = m ? byName.get(decodeURIComponent(m[1]!)) : undefined;
      if (!m || !instance) throw new HttpError(404, `no action at ${path.slice(0, 200)}`);
      await post(res, instance, m[2]!, form, session);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'GET or POST');
    if (!session && !bearer) {
      redirect(res, `${base}/login`);
      return true;
    }
    if (path === base || path === `${base}/`) {
      redirect(res, `${base}/i/${encodeURIComponent(defaultInstance)}/`);
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
    await get(res, url, instance, rest, session);
    return true;
  }

  function loginFrame(): Frame {
    return {
      title: 'Sign in',
      page: 'login',
      base,
      instance: defaultInstance,
      instances: names,
      writable: options.write,
    };
  }

  return async (req, res) => {
    try {
      return await handle(req, res);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.error('console: request failed', { error: (error as Error).message });
      const message =
        error instanceof HttpError ? error.message : 'the console could not answer; see the log';
      if (!res.headersSent)
        send(
          res,
          status,
          'text/html; charset=utf-8',
          layout(
            {
              title: `Error ${status}`,
              page: 'login',
              base,
              instance: defaultInstance,
              instances: names,
              writable: options.write,
            },
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
