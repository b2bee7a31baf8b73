import { randomBytes } from 'node:crypto';

/**
 * Marketo's REST answer envelope: HTTP 200 with `{requestId, success, result}` or, for a whole call
 * refused, `{requestId, success:false, errors:[{code, message}]}` with the code as a quoted integer.
 */

/** Marketo's messages for the whole-call codes the emulator answers with. */
export const REST_CALL_MESSAGES: Readonly<Record<number, string>> = {
  600: 'Access token not specified',
  601: 'Access token invalid',
  602: 'Access token expired',
  603: 'Access denied',
  604: 'Request timed out',
  605: 'HTTP Method not supported',
  606: 'Max rate limit exceeded',
  607: 'Daily quota reached',
  608: 'API Temporarily Unavailable',
  609: 'Invalid JSON',
  610: 'Requested resource not found',
  611: 'System error',
  612: 'Invalid Content Type',
  615: 'Concurrent access limit reached',
  701: 'cannot be blank',
  702: 'No data found',
  704: 'Invalid date format',
  709: 'Business Rule Violation',
  713: 'Transient Error',
};

/**
 * Codes Marketo does not count against the rate limit or the daily quota ("*" in its table): a call
 * answered with one of them after admission is given back.
 */
export const UNCOUNTED_CODES: ReadonlySet<number> = new Set([601, 602, 604, 605, 608, 611]);

/** A whole call refused with `success:false`; `message` is what Marketo would say. */
export class RestCallError extends Error {
  override readonly name = 'RestCallError';
  constructor(
    readonly code: number,
    message: string = REST_CALL_MESSAGES[code] ?? 'Error',
  ) {
    super(message);
  }
}

/** One entry of a record's `reasons`. */
export interface RestReason {
  code: string;
  message: string;
}

/** A record skipped with one reason, as Sync Leads and Sync Opportunities answer it. */
export class RecordSkip extends Error {
  override readonly name = 'RecordSkip';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
  get reason(): RestReason {
    return { code: String(this.code), message: this.message };
  }
}

/** A request id shaped like Marketo's (`e42b#14272d07d78`). */
export function newRequestId(): string {
  return `${randomBytes(2).toString('hex')}#${Date.now().toString(16)}`;
}

export function successBody(result: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { requestId: newRequestId(), success: true, ...extra, result };
}

export function failureBody(code: number, message: string): unknown {
  return { requestId: newRequestId(), success: false, errors: [{ code: String(code), message }] };
}
