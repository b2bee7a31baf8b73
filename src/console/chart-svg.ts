import type { OutcomeStatus } from '../vocabulary/outcome-statuses.js';
import { html, type Html } from './html.js';
import type { ChartBin } from './overview.js';

/**
 * A status's colour in the chart and its legend (distinguishable, with enough contrast on white): one
 * per outcome status of the vocabulary (a status added there does not compile without its colour).
 */
export const COLOURS: Readonly<Record<OutcomeStatus, string>> = {
  CREATED: '#1b7f3b',
  UPDATED: '#2f6fb3',
  UNCHANGED: '#6b7280',
  SKIPPED: '#a16207',
  FAILED: '#b42318',
  INDETERMINATE: '#c2410c',
  PROBABLY_CREATED: '#0e7490',
};

/**
 * Outcomes per bin as stacked bars, drawn on the server as SVG: no chart library, no script, and a
 * text summary for screen readers.
 */
export function outcomeChart(
  bins: readonly ChartBin[],
  statuses: readonly string[],
  binMinutes: number,
): Html {
  const width = 720;
  const height = 180;
  const pad = 28;
  const totals = bins.map((b) => Object.values(b.counts).reduce((a, c) => a + c, 0));
  const max = Math.max(1, ...totals);
  const barW = (width - pad) / Math.max(1, bins.length);
  const sum = totals.reduce((a, b) => a + b, 0);
  const bars = bins.map((b, i) => {
    let y = height - pad;
    return statuses
      .filter((s) => (b.counts[s] ?? 0) > 0)
      .map((s) => {
        const h = ((b.counts[s] ?? 0) / max) * (height - 2 * pad);
        y -= h;
        return html`<rect
          x="${(pad + i * barW).toFixed(1)}"
          y="${y.toFixed(1)}"
          width="${Math.max(1, barW - 1).toFixed(1)}"
          height="${h.toFixed(1)}"
          fill="${COLOURS[s as OutcomeStatus] ?? '#444'}"
          ><title>${new Date(b.at).toISOString().slice(11, 16)}Z ${s}: ${b.counts[s] ?? 0}</title></rect
        >`;
      });
  });
  const first = bins[0];
  const last = bins[bins.length - 1];
  const label = `Outcomes per ${binMinutes} minutes: ${sum} in all, at most ${max} in one bin.`;
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}" preserveAspectRatio="none">
      <line x1="${pad}" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#444" />
      <text x="2" y="${pad}" class="axis">${max}</text>
      <text x="2" y="${height - pad}" class="axis">0</text>
      ${bars}
      ${first ? html`<text x="${pad}" y="${height - 8}" class="axis">${new Date(first.at).toISOString().slice(11, 16)}Z</text>` : html``}
      ${last ? html`<text x="${width - 48}" y="${height - 8}" class="axis">${new Date(last.at).toISOString().slice(11, 16)}Z</text>` : html``}
    </svg>
    <figcaption>
      ${label}
      <ul class="legend">
        ${statuses.map((s) => html`<li><span class="swatch swatch-${s}"></span>${s}</li>`)}
      </ul>
    </figcaption>
  </figure>`;
}
