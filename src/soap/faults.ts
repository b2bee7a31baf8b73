/**
 * Marketo's fault codes and the one place where a failure becomes a category. Every part of mktsync
 * that must decide "retry, pause, park, stop or give up" asks {@link categorizeFaultCode} or reads
 * `error.category`; nothing matches on message text.
 */

/** What a failure means for the sender. */
export const ERROR_CATEGORIES = [
  /** Retry with backoff, bounded attempts. */
  'transient',
  /** Wait out the rate or concurrency window; burns no attempt. */
  'throttle',
  /** The daily quota is used up: park until the reset. */
  'quota',
  /** The signature expired: sign again and retry at once. */
  're-sign',
  /** Credentials are wrong or blocked: stop sending, alert, burn no items. */
  'auth',
  /** The request itself is wrong (our bug): permanent. */
  'invalid-request',
  /** A record in the request is wrong: permanent for that record. */
  'invalid-record',
  /** The answer did not say what happened to each record (e.g. a count mismatch): indeterminate. */
  'indeterminate',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Marketo's published fault codes with their names. */
export const FAULT_NAMES: Readonly<Record<number, string>> = Object.freeze({
  10001: 'Internal Error',
  20011: 'Internal Error',
  20012: 'Request Not Understood',
  20013: 'Access Denied',
  20014: 'Authentication failed',
  20015: 'Request Limit Exceeded',
  20016: 'Request Expired',
  20017: 'Invalid Request',
  20018: 'Bad Encoding',
  20019: 'Unsupported Operation',
  20023: 'Rate Limit Exceeded',
  20024: 'Concurrency Limit Exceeded',
  20101: 'Lead Key Required',
  20102: 'Lead Key Bad',
  20103: 'Lead Not Found',
  20104: 'Lead Detail Required',
  20105: 'Lead Attribute Bad',
  20106: 'Lead Sync Failed',
  20109: 'Parameter Required',
  20110: 'Bad Parameter',
});

/** The category of a Marketo fault code; `server` is true for a `SOAP-ENV:Server` fault. */
export function categorizeFaultCode(code: number | undefined, server = false): ErrorCategory {
  switch (code) {
    case 10001:
    case 20011:
      return 'transient';
    case 20023:
    case 20024:
      return 'throttle';
    case 20015:
      return 'quota';
    case 20016:
      return 're-sign';
    case 20013:
    case 20014:
      return 'auth';
    case 20012:
    case 20017:
    case 20018:
    case 20019:
      return 'invalid-request';
  }
  if (code !== undefined && code >= 20100 && code < 20200) return 'invalid-record';
  // A fault with no code, or an unknown code on a Server fault, is Marketo's own trouble.
  if (code === undefined || server) return 'transient';
  return 'invalid-request';
}

/** Base of every error the SOAP client raises: it always carries a category. */
export abstract class SoapError extends Error {
  abstract readonly category: ErrorCategory;
}

/** A SOAP fault answered by Marketo (HTTP 500 with `SOAP-ENV:Fault`). */
export class MarketoFault extends SoapError {
  override readonly name = 'MarketoFault';
  readonly category: ErrorCategory;
  /**
   * The fields the fault names as refused (`unknown fields for import: pants`), bounded by
   * {@link namedFields}; empty when it names none.
   */
  readonly fields: readonly string[];
  constructor(
    /** The `serviceException/code`, e.g. 20014; undefined when the fault carried none. */
    readonly code: number | undefined,
    /** `faultcode`, e.g. `SOAP-ENV:Client`. */
    readonly faultCode: string,
    /** `faultstring`, e.g. `20014 - Authentication failed`. */
    readonly faultString: string,
    /** `serviceException/message`, e.g. `unknown fields for import: pants`. */
    readonly detailMessage: string | undefined,
  ) {
    super(MarketoFault.#describe(code, faultString, detailMessage));
    this.category = categorizeFaultCode(code, /server/i.test(faultCode));
    const fromDetail = namedFields(detailMessage);
    this.fields = fromDetail.length > 0 ? fromDetail : namedFields(faultString);
  }

  // Marketo repeats the code in both texts ("20014 - Authentication failed", "Authentication failed (20014)").
  static #describe(code: number | undefined, faultString: string, detail: string | undefined): string {
    const plainDetail = detail?.replace(/\s*\(\d+\)\s*$/, '').trim();
    if (!plainDetail || faultString.endsWith(plainDetail))
      return faultString || `Marketo fault ${code ?? ''}`.trim();
    return `${faultString}: ${plainDetail}`;
  }
}

/**
 * The HTTP exchange failed: connection refused or reset, timeout, an answer cut off. `sent` says
 * whether the whole request had left this process: a failure before that (DNS, refused, TLS, connect
 * timeout) is `transient` (Marketo cannot have applied it, so it may be resent); after it (a reset, a
 * response timeout, an answer cut off) it is `indeterminate` (Marketo may have applied it).
 */
export class TransportError extends SoapError {
  override readonly name = 'TransportError';
  readonly category: 'transient' | 'indeterminate';
  /** Whether the whole request was written before the failure (so Marketo may have applied it). */
  readonly sent: boolean;
  constructor(
    message: string,
    /** The HTTP status, when a response arrived. */
    readonly httpStatus?: number,
    options?: ErrorOptions & { sent?: boolean },
  ) {
    super(message, options);
    this.sent = options?.sent ?? true;
    this.category = this.sent ? 'indeterminate' : 'transient';
  }
}

/** A non-200 HTTP answer that carried no SOAP fault (a proxy, a wrong path, an overloaded server). */
export class HttpStatusError extends SoapError {
  override readonly name = 'HttpStatusError';
  readonly category: ErrorCategory;
  constructor(readonly httpStatus: number) {
    super(`Marketo answered HTTP ${httpStatus} without a SOAP fault`);
    // 503 without a SOAP body comes from a service refusing work before it started; 429 and 408 refuse
    // the request. A 502 is a gateway that got no valid answer from behind it ("likely a timeout", as
    // Marketo describes its REST 502): the call may have run, as after a 504 or a bare 500, so it is
    // indeterminate, the same decision as over REST (docs/rest.md).
    this.category =
      httpStatus === 503 || httpStatus === 429 || httpStatus === 408
        ? 'transient'
        : httpStatus >= 500
          ? 'indeterminate'
          : httpStatus === 401 || httpStatus === 403
            ? 'auth'
            : 'invalid-request';
  }
}

/** The answer was not a well-formed SOAP message of the expected shape. */
export class ResponseFormatError extends SoapError {
  override readonly name = 'ResponseFormatError';
  // An answer arrived, so Marketo received the request: a truncated or malformed one does not say
  // whether it was applied. Updates may be resent; creates may not.
  readonly category = 'indeterminate' as const;
}

/**
 * The answer was well formed but a result in it cannot be taken as said (e.g. a lead id beyond 2^53):
 * Marketo may have applied the call, so what happened to the records is unknown.
 */
export class MalformedResultError extends SoapError {
  override readonly name = 'MalformedResultError';
  readonly category = 'indeterminate' as const;
}

/** The answer carried a different number of results than records were sent: nothing can be matched. */
export class ResultCountMismatchError extends SoapError {
  override readonly name = 'ResultCountMismatchError';
  readonly category = 'indeterminate' as const;
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`Marketo answered ${received} results for ${expected} records; the batch outcome is indeterminate`);
  }
}

/** Longest field name taken from a fault; Marketo's API names are far shorter. */
export const MAX_NAMED_FIELD_LENGTH = 255;
/** Most field names taken from one fault. */
export const MAX_NAMED_FIELDS = 50;
const UNKNOWN_FIELDS = /unknown fields? for import:[ \t]*([^\r\n]*)/i;

/**
 * The field names a fault text refuses, as Marketo words it: `unknown fields for import: a, b`
 * (optionally followed by ` (20105)`). Only the first {@link MAX_NAMED_FIELDS} names of at most
 * {@link MAX_NAMED_FIELD_LENGTH} characters are kept: a longer one cannot be a field Marketo knows,
 * and an answer must not decide how much memory a fault takes.
 */
export function namedFields(text: string | undefined): string[] {
  const list = UNKNOWN_FIELDS.exec(text?.slice(0, 64 * 1024) ?? '')?.[1];
  if (list === undefined) return [];
  const names = list.split(',').map((name) => name.trim());
  // The detail ends with the code in brackets: "pants (20105)". Cut only within a bounded name.
  const last = names.length - 1;
  if (names[last]!.length <= MAX_NAMED_FIELD_LENGTH + 16)
    names[last] = names[last]!.replace(/ ?\(\d+\)$/, '');
  const kept = names.filter((name) => name.length > 0 && name.length <= MAX_NAMED_FIELD_LENGTH);
  return [...new Set(kept)].slice(0, MAX_NAMED_FIELDS);
}
