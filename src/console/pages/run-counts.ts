import type { RunInfo } from '../../reconcile/run-list.js';
import { html, type Html } from '../html.js';

/** The counts a run reports, in the order the runs table and a run's page show them. */
export const COUNTS = ['read', 'unchanged', 'new', 'changed', 'enqueued', 'confirmed', 'failed'] as const;

/** A run's counts as table cells: the final summary once there is one, else the progress so far. */
export function runCounts(r: RunInfo): Html {
  const c = r.summary ?? r.progress;
  return html`${COUNTS.map((k) => html`<td class="num">${c ? c[k] : ''}</td>`)}
    <td class="num">${r.summary ? r.summary.absent : ''}</td>`;
}
