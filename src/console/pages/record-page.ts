import type { DeadLetter, Outcome } from '../../buffer/types.js';
import { age, html, time, type Html } from '../html.js';
import { deadLetterDetail } from './dead-letter-detail.js';
import { csrfField, type PageContext } from './page-context.js';

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
