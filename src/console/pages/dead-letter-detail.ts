import type { DeadLetter } from '../../buffer/types.js';
import { html, time, type Html } from '../html.js';

/** A dead letter's reason, code, field and attempts, then the record as it was sent. */
export function deadLetterDetail(d: DeadLetter): Html {
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
