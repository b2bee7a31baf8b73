import type { DeadLetter } from '../../buffer/types.js';
import { html, time, type Html } from '../html.js';
import { keyLabel } from '../key-label.js';
import { csrfField, recordLink, type PageContext } from './page-context.js';

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
