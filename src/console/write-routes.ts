import type http from 'node:http';
import { sameOrigin, sameSecret, type Session } from './auth.js';
import { isFacet, redriveDeadLetters, resolveRecord, VERDICTS, type Verdict } from './dead-letters.js';
import { HttpError, redirect } from './http-reply.js';
import type { ConsoleInstance } from './instance.js';
import { readForm } from './read-form.js';
import { runScheduleNow, cancelRunNow } from './reconcile-view.js';
import type { RouteContext } from './route-context.js';

/**
 * The gate of every post but the sign-in: a session, a same-origin request, and the session's CSRF
 * token in the form. Answers the form once all three hold.
 */
export async function checkedForm(
  req: http.IncomingMessage,
  session: Session | null,
): Promise<{ session: Session; form: URLSearchParams }> {
  if (!session) throw new HttpError(401, 'refused: sign in with the console token first');
  if (!sameOrigin(req)) throw new HttpError(403, 'refused: the request does not come from the console');
  const form = await readForm(req);
  if (!sameSecret(form.get('csrf') ?? '', session.csrf))
    throw new HttpError(403, 'refused: the form is not from this session (reload the page)');
  return { session, form };
}

/**
 * A checked write at `path` (`<base>/i/<instance>/<action>`): refused unless writes are enabled.
 * Each write is logged with the operator's name, and leaves a message for the page it redirects to.
 */
export async function writeAction(
  rc: RouteContext,
  res: http.ServerResponse,
  path: string,
  form: URLSearchParams,
  session: Session,
): Promise<void> {
  if (!rc.write)
    throw new HttpError(403, 'read-only: set MKTSYNC_CONSOLE_WRITE=on to redrive, resolve, run or cancel');
  const m = new RegExp(`^${rc.base}/i/([^/]+)/(.+)$`).exec(path);
  const instance = m ? rc.byName.get(decodeURIComponent(m[1]!)) : undefined;
  if (!m || !instance) throw new HttpError(404, `no action at ${path.slice(0, 200)}`);
  await post(rc, res, instance, m[2]!, form, session);
}

async function post(
  rc: RouteContext,
  res: http.ServerResponse,
  instance: ConsoleInstance,
  action: string,
  form: URLSearchParams,
  session: Session,
): Promise<void> {
  const root = `${rc.base}/i/${encodeURIComponent(instance.name)}`;
  const buffer = instance.buffer;
  const who = session.who;
  if (action === 'dlq/redrive') {
    const facet = form.get('facet') || null;
    const keys = form.getAll('key').filter((k) => k.length > 0 && k.length <= 1024);
    if (facet !== null && !isFacet(facet)) throw new HttpError(400, 'facet: s:STATUS, c:CODE or d:FIELD');
    if (!facet && keys.length === 0) throw new HttpError(400, 'key: select at least one dead letter');
    const done = await redriveDeadLetters(buffer, facet ? { facet } : { keys }, who);
    rc.log.info('console: dead letters redriven', { count: done.length, by: who });
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
    rc.log.info('console: record resolved', { key, verdict, by: who });
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
