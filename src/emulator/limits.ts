import type { EmulatorConfig } from './config.js';

/**
 * Marketo's per-instance limits: calls per rolling window (20023), calls at once (20024) and calls per
 * day (20015, the day turning at midnight US Central). Only admitted calls count.
 */
export class Limits {
  /** Admission times inside the current rate window, oldest first. */
  #recent: number[] = [];
  #active = 0;
  #quotaDay = '';
  #quotaUsed = 0;

  constructor(private config: () => EmulatorConfig) {}

  /** Admits a call or names the fault code that refuses it. */
  admit(
    now: number = Date.now(),
  ): { ok: true; release: () => void; refund: () => void } | { ok: false; code: number; detail: string } {
    const limits = this.config().limits;
    const day = this.#dayOf(now, limits.quotaTimeZone);
    if (day !== this.#quotaDay) {
      this.#quotaDay = day;
      this.#quotaUsed = 0;
    }
    if (limits.dailyQuota !== null && this.#quotaUsed >= limits.dailyQuota) {
      return { ok: false, code: 20015, detail: `Request limit exceeded: ${limits.dailyQuota} calls per day` };
    }
    const windowStart = now - limits.rateWindowMs;
    let drop = 0;
    while (drop < this.#recent.length && this.#recent[drop]! <= windowStart) drop++;
    if (drop > 0) this.#recent = this.#recent.slice(drop);
    if (limits.rateCalls !== null && this.#recent.length >= limits.rateCalls) {
      return {
        ok: false,
        code: 20023,
        detail: `Rate limit exceeded: ${limits.rateCalls} calls per ${limits.rateWindowMs / 1000} s`,
      };
    }
    if (limits.concurrency !== null && this.#active >= limits.concurrency) {
      return {
        ok: false,
        code: 20024,
        detail: `Concurrency limit exceeded: ${limits.concurrency} calls at once`,
      };
    }
    this.#recent.push(now);
    this.#quotaUsed++;
    this.#active++;
    let released = false;
    let refunded = false;
    const admittedDay = this.#quotaDay;
    return {
      ok: true,
      release: () => {
        if (!released) this.#active--;
        released = true;
      },
      // REST answers some codes (601, 602, 604, 605, 608, 611) without counting the call.
      refund: () => {
        if (refunded) return;
        refunded = true;
        const at = this.#recent.lastIndexOf(now);
        if (at >= 0) this.#recent.splice(at, 1);
        if (this.#quotaDay === admittedDay && this.#quotaUsed > 0) this.#quotaUsed--;
      },
    };
  }

  /** Current usage, for `GET /_emulator/stats`. */
  usage(): { activeCalls: number; callsInRateWindow: number; quotaDay: string; quotaUsed: number } {
    const windowStart = Date.now() - this.config().limits.rateWindowMs;
    return {
      activeCalls: this.#active,
      callsInRateWindow: this.#recent.filter((t) => t > windowStart).length,
      quotaDay: this.#quotaDay,
      quotaUsed: this.#quotaUsed,
    };
  }

  reset(): void {
    this.#recent = [];
    this.#quotaUsed = 0;
  }

  #dayOf(now: number, timeZone: string): string {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now);
  }
}
