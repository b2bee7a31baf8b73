import { OUTCOME_STATUSES } from '../../vocabulary/outcome-statuses.js';
import { html, time, type Html } from '../html.js';
import type { RecordHit, RecordQuery } from '../record-search.js';
import { recordLink, type PageContext } from './page-context.js';

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
