import type http from 'node:http';
import { sameOrigin, sameSecret, sessionCookie, type Session } from './auth.js';
import { OPERATOR_NAME } from './dead-letters.js';
import { HttpError, redirect, send } from './http-reply.js';
import { layout } from './pages/layout.js';
import { loginPage } from './pages/login-page.js';
import { readForm } from './read-form.js';
import { plainFrame, type RouteContext } from './route-context.js';

/**
 * `<base>/login`: GET shows the form; POST (same-origin only) checks the console token and the
 * operator's name, then starts a session and sets its cookie.
 */
export async function signIn(
  rc: RouteContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  method: string,
): Promise<void> {
  const base = rc.base;
  const loginFrame = plainFrame(rc, 'Sign in');
  if (method === 'GET') {
    send(res, 200, 'text/html; charset=utf-8', layout(loginFrame, loginPage(base, '')));
    return;
  }
  if (method !== 'POST') throw new HttpError(405, 'GET or POST');
  if (!sameOrigin(req)) throw new HttpError(403, 'refused: the request does not come from the console');
  const form = await readForm(req);
  const name = (form.get('name') ?? '').trim();
  if (!sameSecret(form.get('token') ?? '', rc.token)) {
    rc.log.warn('console: sign-in refused (wrong token)');
    send(res, 401, 'text/html; charset=utf-8', layout(loginFrame, loginPage(base, '', 'Wrong token.')));
    return;
  }
  if (!OPERATOR_NAME.test(name)) {
    send(
      res,
      400,
      'text/html; charset=utf-8',
      layout(loginFrame, loginPage(base, '', 'Name: 1–64 letters, digits, spaces or .@_-')),
    );
    return;
  }
  const session = rc.sessions.create(name);
  redirect(res, `${base}/`, { 'Set-Cookie': sessionCookie(base, session.id) });
}

/** `<base>/logout` (a post already checked for session, origin and CSRF): ends the session. */
export function signOut(rc: RouteContext, res: http.ServerResponse, session: Session): void {
  rc.sessions.drop(session.id);
  redirect(res, `${rc.base}/login`, { 'Set-Cookie': sessionCookie(rc.base, null) });
}
