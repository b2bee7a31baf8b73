import type { RunInfo } from '../../reconcile/run-list.js';
import type { ScheduleInfo } from '../../reconcile/schedules.js';
import { html, time, type Html } from '../html.js';
import { shownSource } from '../shown-source.js';
import { csrfField, type PageContext } from './page-context.js';
import { COUNTS, runCounts } from './run-counts.js';

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
