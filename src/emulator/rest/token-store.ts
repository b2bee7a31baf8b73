import { randomUUID } from 'node:crypto';

/** What using a token amounts to. */
export type TokenCheck = { ok: true } | { ok: false; code: 600 | 601 | 602 };

interface IssuedToken {
  expiresAt: number;
  /** An expired token answers 602 once, then 601 (Adobe's "Error Handling Part 3"). */
  expiryReported: boolean;
}

/** How many tokens old enough to be forgotten are kept, so that a late use still answers 601, not 602. */
const MAX_REMEMBERED = 1000;

/**
 * The access tokens of the emulated instance's one custom service: asking again before expiry returns
 * the same token with its remaining lifetime; a token used after expiry answers 602 the first time and
 * 601 after; an unknown token answers 601.
 */
export class TokenStore {
  #current: string | undefined;
  readonly #issued = new Map<string, IssuedToken>();
  #tokensIssued = 0;
  #tokenAnswers = 0;

  /** The current token (a new one when there is none or it expired) and its remaining lifetime in ms. */
  issue(ttlMs: number, now: number = Date.now()): { token: string; remainingMs: number } {
    this.#tokenAnswers++;
    const current = this.#current === undefined ? undefined : this.#issued.get(this.#current);
    if (this.#current !== undefined && current && current.expiresAt > now) {
      return { token: this.#current, remainingMs: current.expiresAt - now };
    }
    const token = `${randomUUID()}:emu`;
    this.#issued.set(token, { expiresAt: now + ttlMs, expiryReported: false });
    this.#current = token;
    this.#tokensIssued++;
    if (this.#issued.size > MAX_REMEMBERED) {
      const oldest = this.#issued.keys().next().value;
      if (oldest !== undefined) this.#issued.delete(oldest);
    }
    return { token, remainingMs: ttlMs };
  }

  /** Checks the token of one API call. */
  check(token: string | undefined, now: number = Date.now()): TokenCheck {
    if (token === undefined || token === '') return { ok: false, code: 600 };
    const issued = this.#issued.get(token);
    if (!issued) return { ok: false, code: 601 };
    if (issued.expiresAt > now) return { ok: true };
    if (issued.expiryReported) return { ok: false, code: 601 };
    issued.expiryReported = true;
    return { ok: false, code: 602 };
  }

  /** Makes the current token expire now (on demand, for tests): its next use answers 602. */
  expireNow(now: number = Date.now()): boolean {
    const current = this.#current === undefined ? undefined : this.#issued.get(this.#current);
    if (!current) return false;
    current.expiresAt = Math.min(current.expiresAt, now);
    return true;
  }

  /** Counters for `GET /_emulator/stats`; never the tokens themselves. */
  usage(): { tokenRequests: number; tokensIssued: number; tokenValid: boolean } {
    const current = this.#current === undefined ? undefined : this.#issued.get(this.#current);
    return {
      tokenRequests: this.#tokenAnswers,
      tokensIssued: this.#tokensIssued,
      tokenValid: current !== undefined && current.expiresAt > Date.now(),
    };
  }

  clear(): void {
    this.#current = undefined;
    this.#issued.clear();
    this.#tokensIssued = 0;
    this.#tokenAnswers = 0;
  }
}
