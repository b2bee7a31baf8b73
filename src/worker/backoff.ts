/**
 * Exponential backoff: the ceiling doubles with each attempt burnt, from `baseMs` up to `maxMs`, and
 * `jitter` of it is drawn at random (1, the default: full jitter, a wait anywhere in [0, ceiling];
 * 0: exactly the ceiling). Full jitter spreads the records of many failed calls over the window, so
 * that they do not come back as one burst.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
  jitter = 1,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (1 - jitter) + random() * ceiling * jitter);
}

/** The next midnight in `timeZone` after `now` (Marketo's daily quota resets at 00:00 US Central). */
export function nextMidnight(now: number, timeZone = 'America/Chicago'): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const localAsUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offset = localAsUtc - Math.floor(now / 1000) * 1000;
  const midnightLocal = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day) + 1);
  // Recompute the offset at the target instant, in case daylight saving time changes overnight.
  const guess = midnightLocal - offset;
  const atGuess = nextMidnightOffset(guess, timeZone);
  return midnightLocal - atGuess;
}

function nextMidnightOffset(at: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600_000 + Number(m[3]) * 60_000);
}

// The quota day is shared with the metrics, which must not import the worker.
export { quotaDay } from '../model/quota-day.js';
