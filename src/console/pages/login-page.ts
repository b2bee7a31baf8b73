import { html, type Html } from '../html.js';

/** The sign-in form: the console token and the operator's name (kept with every write). */
export function loginPage(base: string, csrf: string, error?: string): Html {
  return html`<form class="login" method="post" action="${base}/login">
    ${error ? html`<p class="bad" role="alert">${error}</p>` : html``}
    <input type="hidden" name="csrf" value="${csrf}" />
    <label for="login-name">Your name (kept with what you change)</label
    ><input id="login-name" name="name" autocomplete="username" required maxlength="64" />
    <label for="login-token">Console token (MKTSYNC_CONSOLE_TOKEN)</label
    ><input id="login-token" name="token" type="password" autocomplete="current-password" required />
    <p><button type="submit">Sign in</button></p>
  </form>`;
}
