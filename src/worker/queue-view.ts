import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisBuffer } from '../buffer/buffer.js';
import { reconcileQueue } from '../reconcile/reconcile-queue.js';
import { reconcileOverview } from '../reconcile/run-list.js';
import type { RunData, RunSummary } from '../reconcile/run-types.js';
import { escapeHtmlText as esc } from '../html-text.js';

/** Options of the operators' queue view on the worker's HTTP port. */
export interface QueueViewOptions {
  /** The ingest bearer token; without one the view is off. */
  token?: string;
  /** Allow redriving dead letters from the view (`MKTSYNC_QUEUE_VIEW_WRITE=on`). */
  allowRedrive: boolean;
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  let given = '';
  if (header.startsWith('Bearer ')) given = header.slice(7);
  // Basic lets a browser ask for the token: any user name, the token as password.
  else if (header.startsWith('Basic '))
    given = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

// One BullMQ queue handle per connection, for the reconcile runs and schedules the view lists.
const reconcileQueues = new WeakMap<object, Queue<RunData, RunSummary, string>>();
function reconcileQueueOf(buffer: RedisBuffer): Queue<RunData, RunSummary, string> {
  let queue = reconcileQueues.get(buffer.redis);
  if (!queue) {
    queue = reconcileQueue(buffer.redis, buffer.prefix);
    reconcileQueues.set(buffer.redis, queue);
  }
  return queue;
}

/**
 * `GET /queue` (HTML) and `GET /queue.json`: the buffer by group, calls in flight, pause and stop
 * state, and the oldest dead letters; `POST /queue/redrive?key=K` when enabled. Behind the ingest token.
 * Returns false when the path is not the view's.
 */
export async function serveQueueView(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  buffer: RedisBuffer,
  options: QueueViewOptions,
): Promise<boolean> {
  if (path !== '/queue' && path !== '/queue.json' && path !== '/queue/redrive') return false;
  const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': type, ...headers });
    res.end(body);
  };
  if (!options.token) {
    send(
      404,
      'application/json',
      JSON.stringify({ error: 'the queue view is off: set MKTSYNC_INGEST_TOKEN to enable it' }),
    );
    return true;
  }
  if (!authorized(req, options.token)) {
    send(401, 'application/json', JSON.stringify({ error: 'the ingest token is required' }), {
      'WWW-Authenticate': 'Basic realm="mktsync"',
    });
    return true;
  }
  if (path === '/queue/redrive') {
    if (req.method !== 'POST')
      return (send(405, 'application/json', JSON.stringify({ error: 'POST only' })), true);
    if (!options.allowRedrive)
      return (
        send(
          403,
          'application/json',
          JSON.stringify({ error: 'read-only: set MKTSYNC_QUEUE_VIEW_WRITE=on to allow redrive' }),
        ),
        true
      );
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key');
    if (!key) return (send(400, 'application/json', JSON.stringify({ error: 'key: required' })), true);
    send(200, 'application/json', JSON.stringify({ redriven: await buffer.redrive([key]) }));
    return true;
  }
  const [stats, dead, reconcile] = await Promise.all([
    buffer.stats(),
    buffer.deadLetters(50),
    reconcileOverview(reconcileQueueOf(buffer), buffer.redis, buffer.prefix, 20),
  ]);
  const view = {
    waiting: stats.waiting,
    inFlight: stats.inFlight,
    callsInFlight: stats.activeCalls,
    oldestWaitingAt: stats.oldestWaitingAt === null ? null : new Date(stats.oldestWaitingAt).toISOString(),
    pausedUntil: stats.pausedUntil === null ? null : new Date(stats.pausedUntil).toISOString(),
    stopped: stats.stopped,
    counters: stats.counters,
    deadLetters: {
      total: stats.deadLetters,
      oldest: dead.map((d) => ({
        key: d.key,
        reason: d.reason,
        code: d.code,
        attempts: d.attempts,
        at: new Date(d.at).toISOString(),
      })),
    },
    reconcile,
  };
  if (path === '/queue.json') {
    send(200, 'application/json', JSON.stringify(view));
    return true;
  }
  const rows = (pairs: [string, unknown][]): string =>
    pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`).join('');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>mktsync queue</title><meta http-equiv="refresh" content="5">
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>
<h1>mktsync queue</h1><p>Read-only${options.allowRedrive ? ' (redrive enabled: POST /queue/redrive?key=K)' : ''}; refreshes every 5 s.</p>
<h2>Buffer</h2><table>${rows([...Object.entries(view.waiting).map(([g, n]) => [`waiting ${g}`, n] as [string, unknown]), ['records in flight', view.inFlight], ['calls in flight', view.callsInFlight], ['oldest waiting since', view.oldestWaitingAt ?? '—'], ['paused until', view.pausedUntil ?? '—'], ['stopped', view.stopped ?? '—']])}</table>
<h2>Counters</h2><table>${rows(Object.entries(view.counters))}</table>
<h2>Dead letters (${view.deadLetters.total})</h2><table><tr><th>key</th><th>code</th><th>attempts</th><th>at</th><th>reason</th></tr>${view.deadLetters.oldest
    .map(
      (d) =>
        `<tr><td>${esc(d.key)}</td><td>${d.code ?? ''}</td><td>${d.attempts}</td><td>${d.at}</td><td>${esc(d.reason)}</td></tr>`,
    )
    .join('')}</table>
<h2>Reconcile schedules</h2><table><tr><th>name</th><th>set</th><th>timing</th><th>next</th><th>source</th></tr>${reconcile.schedules
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${esc(s.set)}</td><td>${esc(s.cron ?? `every ${s.everyMs} ms`)}</td><td>${s.next ? new Date(s.next).toISOString() : '—'}</td><td>${esc(s.source)}</td></tr>`,
    )
    .join('')}</table>
<h2>Reconcile runs</h2><table><tr><th>run</th><th>state</th><th>set</th><th>created</th><th>read</th><th>unchanged</th><th>changed</th><th>new</th><th>refused</th><th>enqueued</th><th>confirmed</th><th>failed</th><th>absent</th><th>error</th></tr>${reconcile.runs
    .map((r) => {
      const c = r.summary ?? r.progress;
      const n = (
        k: 'read' | 'unchanged' | 'changed' | 'new' | 'refused' | 'enqueued' | 'confirmed' | 'failed',
      ): string => (c ? String(c[k]) : '');
      return `<tr><td>${esc(r.run)}</td><td>${esc(r.state)}</td><td>${esc(r.set)}</td><td>${r.createdAt}</td><td>${n('read')}</td><td>${n('unchanged')}</td><td>${n('changed')}</td><td>${n('new')}</td><td>${n('refused')}</td><td>${n('enqueued')}</td><td>${n('confirmed')}</td><td>${n('failed')}</td><td>${r.summary ? r.summary.absent : ''}</td><td>${esc(r.failedReason ?? '')}</td></tr>`;
    })
    .join('')}</table></body></html>`;
  send(200, 'text/html; charset=utf-8', html);
  return true;
}
