import { createHmac } from 'node:crypto';

/**
 * Marketo's request signature: lowercase hex HMAC-SHA1 keyed with the encryption key over
 * `requestTimestamp + mktowsUserId`, the literal strings concatenated.
 */
export function signRequest(encryptionKey: string, requestTimestamp: string, userId: string): string {
  return createHmac('sha1', encryptionKey)
    .update(requestTimestamp + userId)
    .digest('hex');
}

/**
 * A W3C date-time with a numeric offset, as Marketo expects, e.g. `2026-11-22T20:11:05+00:00`.
 * UTC is written as `+00:00` rather than `Z` because every published example carries an offset.
 */
export function w3cTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Parses a W3C date-time (with `Z` or an offset) into epoch milliseconds; NaN when it is not one. */
export function parseW3cTimestamp(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return Number.NaN;
  return Date.parse(value);
}
