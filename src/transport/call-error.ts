import type { CallApplied, CallErrorCategory, ConfigSetting } from './failure-kinds.js';
import type { RecordResult } from './record-result.js';
import { boundText, MAX_ANSWER_TEXT } from '../bounded-text.js';

/**
 * The one error a transport throws. Whatever the wire (SOAP faults, REST `errors[]`, HTTP statuses,
 * sockets), a failed call reaches the sender's policy as a category, a code, and what is known about
 * whether Marketo may have applied it.
 */

/** Longest text kept from anything Marketo or the network says (one bound for every transport). */
export const MAX_TEXT_BYTES = MAX_ANSWER_TEXT;

// One way to cut text taken from outside, with one marker, whichever transport read it.
export { boundText };

/** The details of a {@link MarketoCallError}. */
export interface MarketoCallErrorDetails {
  /** What the policy should do; see `CALL_ERROR_CATEGORIES`. */
  category: CallErrorCategory;
  /**
   * Marketo's code as text (`"606"`, `"20023"`), `"http:<status>"` for an HTTP status without a Marketo
   * code, or a local condition (`"connect-timeout"`, `"response-timeout"`, `"malformed-answer"`, …).
   */
  code: string | null;
  /** Whether Marketo may have applied the call; see `CALL_APPLIED`. */
  applied: CallApplied;
  /** How long to wait before the next call, when Marketo or the limit says (ms). */
  retryAfterMs?: number;
  /**
   * Marketo's rate window is full (SOAP 20023, REST 606, HTTP 429 without `Retry-After`): the wait
   * ends when the oldest call of the window leaves it, at most `retryAfterMs`.
   */
  rateWindow?: boolean;
  /** The offending field, when known, as the change formats name it (e.g. `attributes.Amount`). */
  field?: string;
  /** For a `config` error: the setting that is probably wrong (e.g. `MARKETO_REST_ENDPOINT`). */
  setting?: ConfigSetting;
  /**
   * Every field the failure names, when it names several (SOAP: `unknown fields for import: a, b`), in
   * the same form as `field`; `field` is the first of them.
   */
  fields?: readonly string[];
  /** Index, in the records handed to the transport, of the offending record, when known. */
  recordIndex?: number;
  /** The HTTP status, when an answer arrived. */
  httpStatus?: number;
  /**
   * Results of the records before the failure, when the transport had to split the group into several
   * requests and the first ones succeeded: `settled[i]` belongs to record `i`, and the error concerns
   * records `settled.length` onwards only.
   */
  settled?: readonly RecordResult[];
}

/** A call that did not yield one result per record. Its message is bounded and never holds a secret. */
export class MarketoCallError extends Error {
  override readonly name = 'MarketoCallError';
  readonly category: CallErrorCategory;
  readonly code: string | null;
  readonly applied: CallApplied;
  readonly retryAfterMs?: number;
  readonly rateWindow?: boolean;
  readonly field?: string;
  readonly setting?: ConfigSetting;
  readonly fields: readonly string[];
  readonly recordIndex?: number;
  readonly httpStatus?: number;
  readonly settled: readonly RecordResult[];

  constructor(message: string, details: MarketoCallErrorDetails, options?: ErrorOptions) {
    super(boundText(message), options);
    this.category = details.category;
    this.code = details.code;
    this.applied = details.applied;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.rateWindow === true) this.rateWindow = true;
    if (details.field !== undefined) this.field = details.field;
    if (details.setting !== undefined) this.setting = details.setting;
    this.fields = details.fields ?? (details.field !== undefined ? [details.field] : []);
    if (details.recordIndex !== undefined) this.recordIndex = details.recordIndex;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    this.settled = details.settled ?? [];
  }

  /** The same error with `settled` results of the records before it. */
  withSettled(settled: readonly RecordResult[]): MarketoCallError {
    const copy = new MarketoCallError(this.message, { ...this.details(), settled }, { cause: this.cause });
    return copy;
  }

  /** The details, for copying. */
  details(): MarketoCallErrorDetails {
    const d: MarketoCallErrorDetails = { category: this.category, code: this.code, applied: this.applied };
    if (this.retryAfterMs !== undefined) d.retryAfterMs = this.retryAfterMs;
    if (this.rateWindow === true) d.rateWindow = true;
    if (this.field !== undefined) d.field = this.field;
    if (this.setting !== undefined) d.setting = this.setting;
    if (this.fields.length > 1) d.fields = this.fields;
    if (this.recordIndex !== undefined) d.recordIndex = this.recordIndex;
    if (this.httpStatus !== undefined) d.httpStatus = this.httpStatus;
    if (this.settled.length > 0) d.settled = this.settled;
    return d;
  }
}

/**
 * Codes of a call that never reached the other end because no connection could be made (REST: the
 * socket's error code or `connect-timeout`; SOAP: `transport` before the request left).
 */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'connect-timeout',
  'transport',
]);

/** Whether `error` says that the endpoint could not be reached at all (nothing was sent, no answer came). */
export function isUnreachable(error: MarketoCallError): boolean {
  return (
    error.applied === 'not-sent' &&
    error.httpStatus === undefined &&
    error.code !== null &&
    UNREACHABLE_CODES.has(error.code)
  );
}
