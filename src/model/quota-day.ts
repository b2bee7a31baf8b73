/** One formatter per time zone: making an `Intl.DateTimeFormat` costs far more than using one. */
const formats = new Map<string, Intl.DateTimeFormat>();

/** The quota day of `now` as `YYYY-MM-DD` in `timeZone` (Marketo counts its daily quota in US Central). */
export function quotaDay(now: number, timeZone = 'America/Chicago'): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    // Bounded: the time zones are a handful of settings, never input.
    if (formats.size < 100) formats.set(timeZone, format);
  }
  return format.format(now);
}
