import type http from 'node:http';
import type { Session } from './auth.js';
import { auditLog, deadLetterFacets, isFacet, listDeadLetters, resolutionOf } from './dead-letters.js';
import { html, type Html } from './html.js';
import { HttpError } from './http-reply.js';
import type { ConsoleInstance } from './instance.js';
import { keyLabel } from './key-label.js';
import { readOverview } from './overview.js';
import { deadLettersPage } from './pages/dead-letters-page.js';
import type { PageId } from './pages/layout.js';
import { overviewPage } from './pages/overview-page.js';
import type { PageContext } from './pages/page-context.js';
import { recordPage } from './pages/record-page.js';
import { recordsPage } from './pages/records-page.js';
import { runPage } from './pages/run-page.js';
import { runsPage } from './pages/runs-page.js';
import { searchRecords } from './record-search.js';
import { recordsQuery } from './records-query.js';
import { readRun, readRuns } from './reconcile-view.js';
import { sendPage, type RouteContext } from './route-context.js';

const CHART_BIN_MINUTES = 10;

/**
 * Answers a GET of one instance's page: `rest` is the path after `/i/<instance>/`, decoded. The
 * session (absent when the request came with the bearer token) gives the CSRF token its forms carry
 * and the one-shot message of the last write.
 */
export async function readPage(
  rc: RouteContext,
  res: http.ServerResponse,
  url: URL,
  instance: ConsoleInstance,
  rest: string[],
  session: Session | null,
): Promise<void> {
  const root = `${rc.base}/i/${encodeURIComponent(instance.name)}`;
  const ctx: PageContext = { root, csrf: session?.csrf ?? '', writable: rc.write && session !== null };
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
  const page = (f: ReturnType<typeof frame>, body: Html): void => sendPage(rc, res, f, body);
  const [section = '', ...more] = rest;
  const buffer = instance.buffer;
  if (section === '' && more.length === 0) {
    const o = await readOverview(instance, { hours: 6, binMinutes: CHART_BIN_MINUTES });
    return page(frame('Overview', 'overview'), overviewPage(ctx, o, instance.dailyQuota, CHART_BIN_MINUTES));
  }
  if (section === 'records' && more.length === 0) {
    const p = url.searchParams;
    const query = recordsQuery(p);
    const searched = [...p.keys()].some((k) => k !== 'offset' && p.get(k));
    const result = searched ? await searchRecords(buffer.redis, buffer.keys, query) : null;
    const nextParams = new URLSearchParams(p);
    if (result?.next) nextParams.set('offset', String(result.next));
    return page(
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
    return page(frame(`Record ${keyLabel(key)}`, 'records'), recordPage(ctx, key, outcome, dead, resolution));
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
      frame('Dead letters', 'dlq'),
      deadLettersPage(ctx, facets, facetText, list.total, list.letters, statuses),
    );
  }
  if (section === 'runs' && more.length === 0) {
    const { runs, schedules } = await readRuns(instance);
    return page(frame('Reconcile runs', 'runs'), runsPage(ctx, runs, schedules));
  }
  if (section === 'runs' && more.length === 1) {
    const run = await readRun(instance, more[0]!);
    if (!run)
      throw new HttpError(404, `no run ${more[0]!.slice(0, 80)} (finished runs are kept for 500 runs)`);
    const going = run.state !== 'completed' && run.state !== 'failed';
    return page(frame(`Run ${run.run}`, 'runs', going), runPage(ctx, run));
  }
  if (section === 'audit' && more.length === 0) {
    const entries = await auditLog(buffer.redis, buffer.keys.base, 100);
    return page(
      frame('Operator actions', 'overview'),
      html`<pre>${entries.map((e) => JSON.stringify(e)).join('\n')}</pre>`,
    );
  }
  throw new HttpError(404, `no page ${url.pathname.slice(0, 200)}`);
}
