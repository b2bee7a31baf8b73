import type { DeadLetter, Outcome } from '../buffer/types.js';
import { OUTCOME_STATUSES } from '../vocabulary/outcome-statuses.js';
import type { RunInfo } from '../reconcile/run-list.js';
import type { ScheduleInfo } from '../reconcile/schedules.js';
import { outcomeChart } from './chart-svg.js';
import { keyLabel } from './key-label.js';
import { shownSource } from './shown-source.js';
import { age, html, time, type Html } from './html.js';
import type { Overview } from './overview.js';
import type { RecordHit, RecordQuery } from './record-search.js';

/** What a page needs to link and to post: the instance's root path and the session's CSRF token. */
export interface PageContext {
  root: string;
  csrf: string;
  writable: boolean;
}

const csrfField = (ctx: PageContext): Html => html`<input type="hidden" name="csrf" value="${ctx.csrf}" />`;
const recordLink = (ctx: PageContext, key: string): Html =>
  html`<a href="${ctx.root}/records/${encodeURIComponent(key)}">${keyLabel(key)}</a>`;

/** The overview: buffer per group, calls, gates, quota, and the outcome chart. */
export function overviewPage(ctx: PageContext, o: Overview, quota: number, binMinutes: number): Html {
  const state = o.stopped
    ? html`<span class="bad">stopped: ${o.stopped}</span>`
    : o.pausedUntil !== null
      ? html`<span class="bad"
          >${o.parked ? 'parked (daily quota)' : 'throttled'} until ${time(o.pausedUntil)}</span
        >`
      : html`sending`;
  const waiting = o.groups.reduce((a, g) => a + g.waiting, 0);
  return html` <section aria-labelledby="now">
      <h2 id="now">Now</h2>
      <div class="cards">
        <div class="card"><span class="v">${waiting}</span><span class="k">records waiting</span></div>
        <div class="card">
          <span class="v">${o.recordsInFlight}</span><span class="k">records in flight</span>
        </div>
        <div class="card">
          <span class="v">${o.callsInFlight}</span><span class="k">calls in flight</span>
        </div>
        <div class="card">
          <span class="v">${o.deadLetters}</span
          ><span class="k"><a href="${ctx.root}/dlq">dead letters</a></span>
        </div>
        <div class="card">
          <span class="v">${o.callsToday} / ${quota}</span><span class="k">calls today / daily quota</span>
        </div>
        <div class="card">
          <span class="v">${o.callsInRateWindow}</span><span class="k">calls in the rate window</span>
        </div>
      </div>
      <dl class="kv">
        <dt>Sending</dt>
        <dd>${state}</dd>
        <dt>Authentication</dt>
        <dd>${o.stopped ? html`<span class="bad">failing</span>` : 'ok'}</dd>
        <dt>Last successful call</dt>
        <dd>${time(o.lastSuccessAt)}</dd>
      </dl>
    </section>
    <section aria-labelledby="groups">
      <h2 id="groups">Waiting, per group</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">group</th>
            <th scope="col" class="num">waiting</th>
            <th scope="col">oldest waiting for</th>
          </tr>
        </thead>
        <tbody>
          ${o.groups.map(
            (g) =>
              html`<tr>
                <td>${g.group}</td>
                <td class="num">${g.waiting}</td>
                <td>${g.oldestAt === null ? '—' : age(o.now - g.oldestAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="chart">
      <h2 id="chart">Outcomes over the last hours</h2>
      ${outcomeChart(o.chart, OUTCOME_STATUSES, binMinutes)}
      <table>
        <thead>
          <tr>
            ${OUTCOME_STATUSES.map((s) => html`<th scope="col" class="num">${s}</th>`)}
          </tr>
        </thead>
        <tbody>
          <tr>
            ${OUTCOME_STATUSES.map((s) => html`<td class="num">${o.totals[s] ?? 0}</td>`)}
          </tr>
        </tbody>
      </table>
    </section>`;
}

function outcomeRows(ctx: PageContext, hits: readonly RecordHit[]): Html {
  return html`<table>
    <thead>
      <tr>
        <th scope="col">record</th>
        <th scope="col">status</th>
        <th scope="col">Marketo id</th>
        <th scope="col">at</th>
        <th scope="col">error</th>
      </tr>
    </thead>
    <tbody>
      ${hits.map(
        (h) =>
          html`<tr>
            <td>${recordLink(ctx, h.key)}</td>
            <td>${h.outcome?.status ?? 'outcome expired'}</td>
            <td>${h.outcome?.id ?? ''}</td>
            <td>${time(h.outcome?.at)}</td>
            <td>${h.outcome?.error ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Search form and results. */
export function recordsPage(
  ctx: PageContext,
  query: RecordQuery & { sinceText?: string; untilText?: string },
  hits: readonly RecordHit[] | null,
  next: number | null,
  nextHref: string,
): Html {
  return html` <form class="search" method="get" action="${ctx.root}/records" role="search">
      <label for="q-key"
        >Email, ForeignSysPersonId, Marketo id or record key<input
          id="q-key"
          name="key"
          value="${query.key ?? ''}"
          size="34"
      /></label>
      <label for="q-status"
        >Status<select id="q-status" name="status">
          <option value="">any</option>
          ${OUTCOME_STATUSES.map(
            (s) => html`<option${query.status === s ? html` selected` : html``}>${s}</option>`,
          )}
        </select></label
      >
      <label for="q-code"
        >Error code<input id="q-code" name="code" value="${query.code ?? ''}" size="6"
      /></label>
      <label for="q-field"
        >Field<input id="q-field" name="field" value="${query.field ?? ''}" size="14"
      /></label>
      <label for="q-since"
        >Since (UTC)<input id="q-since" name="since" type="datetime-local" value="${query.sinceText ?? ''}"
      /></label>
      <label for="q-until"
        >Until (UTC)<input id="q-until" name="until" type="datetime-local" value="${query.untilText ?? ''}"
      /></label>
      <button type="submit">Search</button>
    </form>
    ${
      hits === null
        ? html`<p>Search by a key, or list records by status, error code, field and time (newest first).</p>`
        : hits.length === 0
          ? html`<p>No record found.</p>`
          : html`<p>
                ${hits.length} record${hits.length === 1 ? '' : 's'}${next !== null ? ' (more below)' : ''}.
              </p>
              ${outcomeRows(ctx, hits)}${
                next !== null ? html`<p class="pager"><a href="${nextHref}">Older records</a></p>` : html``
              }`
    }`;
}

/** One record: its latest outcome, its dead letter and verdict if any. */
export function recordPage(
  ctx: PageContext,
  key: string,
  outcome: Outcome | null,
  dead: DeadLetter | null,
  resolution: { verdict: string; by: string; at: number; previous: string } | null,
): Html {
  const o = outcome;
  const doubt = o !== null && (o.status === 'INDETERMINATE' || o.status === 'PROBABLY_CREATED');
  return html` <dl class="kv">
      <dt>Record key</dt>
      <dd><code>${key}</code></dd>
      <dt>Status</dt>
      <dd>${o ? html`<strong>${o.status}</strong>` : 'no outcome kept (none yet, or past its retention)'}</dd>
      ${
        o
          ? html`<dt>Marketo id</dt>
              <dd>${o.id ?? '—'}</dd>
              <dt>Error</dt>
              <dd>${o.error ? html`<span class="bad">${o.error}</span>` : '—'}</dd>
              <dt>Note</dt>
              <dd>${o.note ?? '—'}</dd>
              <dt>Changes covered</dt>
              <dd>${o.changes} (sequence ${o.firstSeq} to ${o.lastSeq})</dd>
              <dt>Attempt</dt>
              <dd>${o.attempt}</dd>
              <dt>Batch (call)</dt>
              <dd><code>${o.batch}</code></dd>
              <dt>Settled at</dt>
              <dd>${time(o.at)}</dd>
              <dt>Latency</dt>
              <dd>${age(o.latencyMs)}</dd>`
          : html``
      }
      ${
        resolution
          ? html`<dt>Operator verdict</dt>
              <dd>
                ${resolution.verdict === 'created' ? 'confirmed created in Marketo' : 'not created, sent again'}
                by ${resolution.by} at ${time(resolution.at)} (was ${resolution.previous})
              </dd>`
          : html``
      }
    </dl>
    ${
      dead
        ? html`<h2>Dead letter</h2>
            ${deadLetterDetail(dead)}`
        : html``
    }
    ${doubt && ctx.writable ? resolveForm(ctx, key, dead !== null) : html``}`;
}

function deadLetterDetail(d: DeadLetter): Html {
  return html`<dl class="kv">
      <dt>Reason</dt>
      <dd>${d.reason}</dd>
      <dt>Code</dt>
      <dd>${d.code ?? '—'}</dd>
      <dt>Field</dt>
      <dd>${d.field ?? '—'}</dd>
      <dt>Attempts</dt>
      <dd>${d.attempts}</dd>
      <dt>Dead-lettered at</dt>
      <dd>${time(d.at)}</dd>
      <dt>Group</dt>
      <dd>${d.group}</dd>
    </dl>
    <h3>What was sent</h3>
    ${sentTable(d.entry.data as unknown as Record<string, unknown>)}`;
}

/** The record as sent: its keys, then each attribute, values shown as they are (escaped). */
function sentTable(data: Record<string, unknown>): Html {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(data)) {
    if (k === 'attributes' && typeof v === 'object' && v !== null)
      for (const [a, av] of Object.entries(v)) rows.push([a, String(av)]);
    else rows.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  }
  return html`<table>
    <thead>
      <tr>
        <th scope="col">field</th>
        <th scope="col">value</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        ([k, v]) =>
          html`<tr>
            <td>${k}</td>
            <td><code>${v}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function resolveForm(ctx: PageContext, key: string, dead: boolean): Html {
  return html`<h2>Resolve</h2>
    <p>
      Marketo may have applied this create. Check Marketo, then say what you found; your name and the time are
      kept.
    </p>
    <form method="post" action="${ctx.root}/resolve">
      ${csrfField(ctx)}<input type="hidden" name="key" value="${key}" />
      <label for="resolve-id">Marketo id (optional)</label> <input id="resolve-id" name="id" size="12" />
      <button type="submit" name="verdict" value="created">Confirmed created in Marketo</button>
      ${dead ? html`<button type="submit" name="verdict" value="resend" class="secondary">Not created: send again</button>` : html``}
    </form>`;
}

/** Dead letters with their facets, selection and redrive. */
export function deadLettersPage(
  ctx: PageContext,
  facets: readonly { facet: string; count: number }[],
  facet: string | undefined,
  total: number,
  letters: readonly DeadLetter[],
  statusOf: ReadonlyMap<string, string>,
): Html {
  const facetLabel = (f: string): string =>
    f.startsWith('s:')
      ? `status ${f.slice(2)}`
      : f.startsWith('c:')
        ? `code ${f.slice(2)}`
        : `field ${f.slice(2)}`;
  return html` <form class="search" method="get" action="${ctx.root}/dlq">
      <label for="facet"
        >Reason or field<select id="facet" name="facet">
          <option value="">all (${facets.length} reasons)</option>
          ${facets.map(
            (f) =>
              html`<option value="${f.facet}" ${facet === f.facet ? html` selected` : html``}>
                ${facetLabel(f.facet)} (${f.count})
              </option>`,
          )}
        </select></label
      ><button type="submit">Filter</button>
    </form>
    <p>
      ${total} dead
      letter${total === 1 ? '' : 's'}${facet ? html` with ${facetLabel(facet)}` : html``}${letters.length < total ? html`, newest ${letters.length} shown` : html``}.
    </p>
    ${
      ctx.writable && facet && total > 0
        ? html`<form method="post" action="${ctx.root}/dlq/redrive">
            ${csrfField(ctx)}<input type="hidden" name="facet" value="${facet}" /><button type="submit">
              Redrive all ${total} with ${facetLabel(facet)}
            </button>
          </form>`
        : html``
    }
    <form method="post" action="${ctx.root}/dlq/redrive" id="selection">
      ${csrfField(ctx)}
      <table>
        <thead>
          <tr>
            ${ctx.writable ? html`<th scope="col"><input type="checkbox" data-select-all aria-label="Select all shown" /></th>` : html``}
            <th scope="col">record</th>
            <th scope="col">status</th>
            <th scope="col">code</th>
            <th scope="col">field</th>
            <th scope="col" class="num">attempts</th>
            <th scope="col">at</th>
            <th scope="col">reason</th>
          </tr>
        </thead>
        <tbody>
          ${letters.map(
            (d) =>
              html`<tr>
                ${ctx.writable ? html`<td><input type="checkbox" name="key" value="${d.key}" aria-label="Select ${keyLabel(d.key)}" /></td>` : html``}
                <td>${recordLink(ctx, d.key)}</td>
                <td>${statusOf.get(d.key) ?? ''}</td>
                <td>${d.code ?? ''}</td>
                <td>${d.field ?? ''}</td>
                <td class="num">${d.attempts}</td>
                <td>${time(d.at)}</td>
                <td>${d.reason}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${ctx.writable && letters.length > 0 ? html`<button type="submit">Redrive selected</button>` : html``}
    </form>
    ${ctx.writable ? html`` : html`<p>Read-only: set MKTSYNC_CONSOLE_WRITE=on to redrive and resolve here.</p>`}`;
}

const COUNTS = ['read', 'unchanged', 'new', 'changed', 'enqueued', 'confirmed', 'failed'] as const;

function runCounts(r: RunInfo): Html {
  const c = r.summary ?? r.progress;
  return html`${COUNTS.map((k) => html`<td class="num">${c ? c[k] : ''}</td>`)}
    <td class="num">${r.summary ? r.summary.absent : ''}</td>`;
}

/** Runs with progress and counts, and the schedules with their next firing. */
export function runsPage(
  ctx: PageContext,
  runs: readonly RunInfo[],
  schedules: readonly ScheduleInfo[],
): Html {
  return html` <h2>Schedules</h2>
    ${
      schedules.length === 0
        ? html`<p>No schedule (mktsync reconcile schedule).</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">name</th>
                <th scope="col">set</th>
                <th scope="col">timing</th>
                <th scope="col">next run</th>
                <th scope="col">source</th>
                ${ctx.writable ? html`<th scope="col">action</th>` : html``}
              </tr>
            </thead>
            <tbody>
              ${schedules.map(
                (s) =>
                  html`<tr>
                    <td>${s.name}</td>
                    <td>${s.set}</td>
                    <td>${s.cron ?? `every ${s.everyMs} ms`}</td>
                    <td>${time(s.next)}</td>
                    <td>${shownSource(s.source)}</td>
                    ${
                      ctx.writable
                        ? html`<td>
                            <form class="inline" method="post" action="${ctx.root}/runs/run-now">
                              ${csrfField(ctx)}<input
                                type="hidden"
                                name="schedule"
                                value="${s.name}"
                              /><button type="submit">Run ${s.name} now</button>
                            </form>
                          </td>`
                        : html``
                    }
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Runs</h2>
    ${
      runs.length === 0
        ? html`<p>No run yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">run</th>
                <th scope="col">state</th>
                <th scope="col">set</th>
                <th scope="col">created</th>
                ${COUNTS.map((k) => html`<th scope="col" class="num">${k}</th>`)}
                <th scope="col" class="num">absent</th>
                ${ctx.writable ? html`<th scope="col">action</th>` : html``}
              </tr>
            </thead>
            <tbody>
              ${runs.map(
                (r) =>
                  html`<tr>
                    <td><a href="${ctx.root}/runs/${encodeURIComponent(r.run)}">${r.run}</a></td>
                    <td>${r.state}${r.progress && !r.summary ? html` (${r.progress.phase})` : html``}</td>
                    <td>${r.set}</td>
                    <td>${r.createdAt.slice(0, 19)}Z</td>
                    ${runCounts(r)}${
                      ctx.writable
                        ? html`<td>
                            ${
                              r.state === 'completed' || r.state === 'failed'
                                ? html``
                                : html`<form class="inline" method="post" action="${ctx.root}/runs/cancel">
                                    ${csrfField(ctx)}<input
                                      type="hidden"
                                      name="run"
                                      value="${r.run}"
                                    /><button
                                      type="submit"
                                      class="secondary"
                                      aria-label="Cancel run ${r.run}"
                                    >
                                      Cancel
                                    </button>
                                  </form>`
                            }
                          </td>`
                        : html``
                    }
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** One run: its state, counts, refused rows and failed records. */
export function runPage(ctx: PageContext, r: RunInfo): Html {
  const c = r.summary ?? r.progress;
  return html` <dl class="kv">
      <dt>State</dt>
      <dd data-state="${r.state}">
        ${r.state}${r.progress && !r.summary ? html` (${r.progress.phase})` : html``}
      </dd>
      <dt>Set</dt>
      <dd>${r.set} (${r.kind}${r.full ? ', full' : ''})</dd>
      <dt>Source</dt>
      <dd>${shownSource(r.source)}</dd>
      <dt>Schedule</dt>
      <dd>${r.schedule ?? '—'}</dd>
      <dt>Created</dt>
      <dd>${r.createdAt}</dd>
      <dt>Finished</dt>
      <dd>${r.finishedAt ?? '—'}</dd>
      ${
        r.failedReason
          ? html`<dt>Error</dt>
              <dd class="bad">${r.failedReason}</dd>`
          : html``
      }
    </dl>
    <table>
      <thead>
        <tr>
          ${COUNTS.map((k) => html`<th scope="col" class="num">${k}</th>`)}
          <th scope="col" class="num">absent</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          ${runCounts(r)}
        </tr>
      </tbody>
    </table>
    ${c && c.read > 0 && !r.summary ? html`<p><label for="run-progress">Progress</label> <progress id="run-progress" class="progress" max="${Math.max(c.enqueued, 1)}" value="${c.confirmed + c.failed}"></progress></p>` : html``}
    ${
      r.summary && r.summary.failedKeys.length > 0
        ? html`<h2>Failed records</h2>
            <ul>
              ${r.summary.failedKeys.map((k) => html`<li>${recordLink(ctx, k)}</li>`)}
            </ul>`
        : html``
    }
    ${
      r.summary && r.summary.refusedRows.length > 0
        ? html`<h2>Refused rows</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">line</th>
                  <th scope="col">field</th>
                  <th scope="col">reason</th>
                </tr>
              </thead>
              <tbody>
                ${r.summary.refusedRows.map(
                  (x) =>
                    html`<tr>
                      <td class="num">${x.line}</td>
                      <td>${x.field}</td>
                      <td>${x.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : html``
    }`;
}

/** The sign-in form: the console token and the operator's name (kept with every write). */
export function loginPage(base: string, csrf: string, error?: string): Html {
  return html`<form class="login" method="post" action="${base}/login">
    ${error ? html`<p class="bad" role="alert">${error}</p>` : html``}
    <input type="hidden" name="csrf" value="${csrf}" />
    <label for="login-name">Your name (kept with what you change)</label
    ><input id="login-name" name="name" autocomplete="username" required maxlength="64" />
    <label for="login-token">Console token (MKTSYNC_CONSOLE_TOKEN)</label
    ><input id="login-token" name="token" type="password" autocomplete="current-password" required />
    <p><button type="submit">Sign in</button></p>
  </form>`;
}
