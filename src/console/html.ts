/**
 * The console's HTML building blocks. Every value from records, Marketo or operators goes through
 * {@link esc} (text and attribute values alike), so a field holding `<script>` or `"><img onerror>`
 * shows as text.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML text and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A trusted HTML fragment (built only from escaped values and literals). */
export interface Html {
  readonly html: string;
}

/** Template tag: interpolated values are escaped unless they are {@link Html} fragments or arrays of them. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in v) return (v as Html).html;
  return esc(v);
}

/** Joins fragments. */
export function join(parts: readonly Html[]): Html {
  return { html: parts.map((p) => p.html).join('') };
}

/** An epoch-ms time as ISO text (UTC, seconds), or a dash. */
export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms)
    ? '—'
    : new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** A duration in ms as `3 h 12 min`, `4 min 5 s` or `12 s`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The navigation entries, in order. */
export const NAV = [
  { id: 'overview', label: 'Overview', path: '' },
  { id: 'records', label: 'Records', path: 'records' },
  { id: 'dlq', label: 'Dead letters', path: 'dlq' },
  { id: 'runs', label: 'Reconcile runs', path: 'runs' },
] as const;
export type PageId = (typeof NAV)[number]['id'];

/** What every page's frame needs. */
export interface Frame {
  title: string;
  page: PageId | 'login';
  base: string;
  instance: string;
  instances: readonly string[];
  writable: boolean;
  who?: string;
  csrf?: string;
  /** Refresh the page's main part every few seconds (a run in progress), by the console's script. */
  refresh?: boolean;
  flash?: string;
}

/** The whole page: header with the instance picker and navigation, then `body`. */
export function layout(frame: Frame, body: Html): string {
  const root = `${frame.base}/i/${encodeURIComponent(frame.instance)}`;
  const nav =
    frame.page === 'login'
      ? html``
      : html`<nav aria-label="Console">
            <ul>
              ${NAV.map(
                (n) =>
                  html`<li>
                    <a href="${root}/${n.path}" ${frame.page === n.id ? html` aria-current="page"` : html``}
                      >${n.label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <form class="picker" method="get" action="${frame.base}/pick">
            <label for="instance">Instance</label>
            <select id="instance" name="instance">
              ${frame.instances.map(
                (i) =>
                  html`<option value="${i}" ${i === frame.instance ? html` selected` : html``}>${i}</option>`,
              )}
            </select>
            <button type="submit">Open</button>
          </form>
          <div class="who">
            ${frame.who ? html`Signed in as ${frame.who}` : html``}
            <span class="mode">${frame.writable ? 'writes enabled' : 'read-only'}</span>
            <form method="post" action="${frame.base}/logout">
              <input type="hidden" name="csrf" value="${frame.csrf ?? ''}" /><button type="submit">
                Sign out
              </button>
            </form>
          </div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(frame.title)} · mktsync console</title>
<link rel="stylesheet" href="${esc(frame.base)}/static/console.css">
<script src="${esc(frame.base)}/static/console.js" defer></script>
</head><body>
<header><p class="brand">mktsync console</p>${nav.html}</header>
<main id="main"${frame.refresh ? ' data-refresh="3000"' : ''}><h1>${esc(frame.title)}</h1>${frame.flash ? `<p class="flash" role="status">${esc(frame.flash)}</p>` : ''}${body.html}</main>
</body></html>`;
}
