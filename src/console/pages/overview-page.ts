import { OUTCOME_STATUSES } from '../../vocabulary/outcome-statuses.js';
import { outcomeChart } from '../chart-svg.js';
import { age, html, time, type Html } from '../html.js';
import type { Overview } from '../overview.js';
import type { PageContext } from './page-context.js';

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
