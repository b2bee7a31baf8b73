import { html, type Html } from '../html.js';
import { keyLabel } from '../key-label.js';

/**
 * What a page needs to link and to post: the instance's root path, the session's CSRF token, and
 * whether it may offer writes.
 */
export interface PageContext {
  root: string;
  csrf: string;
  writable: boolean;
}

/** The session's CSRF token as a hidden field: every form that posts carries it. */
export const csrfField = (ctx: PageContext): Html =>
  html`<input type="hidden" name="csrf" value="${ctx.csrf}" />`;

/** A link to a record's page, shown by its readable label. */
export const recordLink = (ctx: PageContext, key: string): Html =>
  html`<a href="${ctx.root}/records/${encodeURIComponent(key)}">${keyLabel(key)}</a>`;
