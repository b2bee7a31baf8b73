import type { RecordResult } from '../transport/contract.js';
import type { RestProblem } from './rest-problem.js';
import type { RestValue } from './values.js';
import type { LeadResolving } from './lead-resolver.js';
import type { Steps } from './program-steps.js';

/** A record mapped for a JSON request: its REST shape, or why REST cannot carry it (FAILED unsent). */
export type MappedRecord =
  { ok: true; record: Record<string, RestJson> } | { ok: false; problem: RestProblem };

/** A JSON value of a request record: a field's value, or a list of name-value pairs (activity attributes). */
export type RestJson = RestValue | readonly Readonly<Record<string, RestValue>>[];

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
  /**
   * Reads the channel steps of `programId` (cached) and hands them to whoever keeps them for the merge
   * (the worker's buffer): see `program-steps.ts`; the steps, or undefined when the program has no
   * channel the instance lists. Absent when nobody keeps them (`mktsync send`).
   */
  programSteps?: (programId: number, signal?: AbortSignal) => Promise<Steps | undefined>;
  /** The largest request body, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * One authenticated GET and the whole body of its successful answer (reads whose answer is more than
   * `result`: a paging token, `moreResult`). The caller admits it with {@link admitLookup} first.
   */
  read(path: string, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Resolves the leads that records name by reference to Marketo ids (lead-resolver.ts). */
  readonly leads: LeadResolving;
  /** What a sender keeps across calls (a cache of types or schemas): made once per client, by name. */
  state<T>(name: string, make: () => T): T;
}
