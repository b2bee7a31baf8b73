import { esc, html, type Html } from '../html.js';

/** The navigation entries, in order. */
export const NAV = [
  { id: 'overview', label: 'Overview', path: '' },
  { id: 'records', label: 'Records', path: 'records' },
  { id: 'dlq', label: 'Dead letters', path: 'dlq' },
  { id: 'runs', label: 'Reconcile runs', path: 'runs' },
] as const;
/** A page of an instance's navigation. */
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
