import { z } from 'zod';

/**
 * Producer-supplied idempotency keys. A change carrying one is written once: a resend with the same key
 * within the window (`MKTSYNC_IDEMPOTENCY_WINDOW_S`) is answered with the reference of the first write.
 */

/** The longest idempotency key. */
export const IDEMPOTENCY_KEY_MAX = 200;
/** Visible ASCII only: the key becomes part of a Redis key name and is echoed in errors. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7E]+$/;

/** Whether `key` is an idempotency key a change may carry (what {@link idempotencyKeySchema} accepts). */
export function validIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= IDEMPOTENCY_KEY_MAX && IDEMPOTENCY_KEY.test(key);
}

/** The idempotency key of one change. */
export const idempotencyKeySchema = z
  .string()
  .max(IDEMPOTENCY_KEY_MAX, `must be at most ${IDEMPOTENCY_KEY_MAX} characters`)
  .regex(IDEMPOTENCY_KEY, 'must be 1 or more visible ASCII characters (no spaces)');

/** Why an HTTP `Idempotency-Key` header cannot be used, or undefined when it can. */
export function headerKeyProblem(header: string): string | undefined {
  // Room for the ":position" suffix of the per-change keys.
  const max = IDEMPOTENCY_KEY_MAX - 8;
  if (header.length > max) return `must be at most ${max} characters`;
  if (!IDEMPOTENCY_KEY.test(header)) return 'must be 1 or more visible ASCII characters (no spaces)';
  return undefined;
}

/** The key of the item at `position` (array index or NDJSON line) of a body sent with `header`. */
export function bodyItemKey(header: string, position: number): string {
  return `${header}:${position}`;
}
