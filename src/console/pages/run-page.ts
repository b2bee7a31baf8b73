import type { RunInfo } from '../../reconcile/run-list.js';
import { html, type Html } from '../html.js';
import { shownSource } from '../shown-source.js';
import { recordLink, type PageContext } from './page-context.js';
import { COUNTS, runCounts } from './run-counts.js';

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
