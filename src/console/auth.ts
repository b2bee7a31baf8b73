import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** A signed-in operator: who, and the token every form of the session carries against cross-site posts. */
export interface Session {
  id: string;
  who: string;
  csrf: string;
  expiresAt: number;
  /** A one-shot message for the next page (what the last write did). */
  flash?: string;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'mktsync_console';
const SESSION_MS = 12 * 3_600_000;
const MAX_SESSIONS = 1_000;

/** Compares secrets in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sessions in the console process's memory: a restart signs everyone out, which is fine for a console. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  create(who: string, now = Date.now()): Session {
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
    // Bounded: the oldest session goes first.
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session = {
      id: randomBytes(24).toString('base64url'),
      who,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: now + SESSION_MS,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  get(req: http.IncomingMessage, now = Date.now()): Session | null {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return null;
    const s = this.#sessions.get(id);
    if (!s || s.expiresAt <= now) return null;
    return s;
  }

  drop(id: string): void {
    this.#sessions.delete(id);
  }
}

function cookie(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export function sessionCookie(base: string, id: string | null): string {
  return id === null
    ? `${SESSION_COOKIE}=; Path=${base}; HttpOnly; SameSite=Strict; Max-Age=0`
    : `${SESSION_COOKIE}=${id}; Path=${base}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
}

/**
 * Whether a write comes from the console's own pages: its Origin must be this host's (browsers send it
 * on every cross-site POST and cannot forge it). A write without an Origin is refused too.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Whether the request carries the console token as a bearer token (scripts, curl). */
export function bearerMatches(req: http.IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') && sameSecret(header.slice(7), token);
}
