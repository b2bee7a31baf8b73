import type { RecordResult } from '../transport/contract.js';
import type { RestProblem } from './rest-problem.js';
import type { RestValue } from './values.js';

/** A record mapped for a JSON request: its REST shape, or why REST cannot carry it (FAILED unsent). */
export type MappedRecord =
  { ok: true; record: Record<string, RestValue> } | { ok: false; problem: RestProblem };

/**
 * What the REST client lends the senders of the member groups (`activities.ts`, `custom-objects.ts`,
 * `list-members.ts`, `program-members.ts`): its authenticated, rate-limited, size-bounded requests, so that
 * a new kind of record is a sender file and not an edit of the client.
 */
export interface RestCalls {
  /**
   * Sends mapped records as `{...envelope, input: [...]}` to `path` (POST, JSON) in as many requests as
   * the size and count limits need, in order; refused records get their FAILED result unsent. `read`
   * turns one answer's `result` array into one result per record of that request. A failure throws a
   * `MarketoCallError` carrying the results settled before it.
   */
  sendJson(
    path: string,
    envelope: Record<string, unknown>,
    mapped: readonly MappedRecord[],
    read: (result: unknown[], expected: number) => RecordResult[],
    signal?: AbortSignal,
  ): Promise<RecordResult[]>;
  /**
   * One authenticated request and its `result` array (`records`: how many records it carries, for the
   * metrics). The caller admits a second request of one call with {@link admitAnother} first.
   */
  exchange(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    records: number,
    signal?: AbortSignal,
    contentType?: string,
  ): Promise<unknown[]>;
  /** Admission of a call's second and later request: resolves when it may go, throws (not sent) when not. */
  admitAnother(): Promise<void>;
  /**
   * Admission of a read outside a batch's call (a lookup, a describe, an activity log read) under the
   * shared rate limits: false when it may not go now. Absent: reads go without asking.
   */
  admitLookup?: () => Promise<boolean>;
  /** The largest request body, in bytes. */
  readonly maxBodyBytes: number;
}
