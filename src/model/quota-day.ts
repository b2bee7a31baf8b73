/** The quota day of `now` as `YYYY-MM-DD` in `timeZone` (Marketo counts its daily quota in US Central). */
export function quotaDay(now: number, timeZone = 'America/Chicago'): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
