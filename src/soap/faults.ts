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
  }

  // Marketo repeats the code in both texts ("20014 - Authentication failed", "Authentication failed (20014)").
  static #describe(code: number | undefined, faultString: string, detail: string | undefined): string {
    const plainDetail = detail?.replace(/\s*\(\d+\)\s*$/, '').trim();
    if (!plainDetail || faultString.endsWith(plainDetail))
      return faultString || `Marketo fault ${code ?? ''}`.trim();
    return `${faultString}: ${plainDetail}`;
  }
}

/** The HTTP exchange failed: connection refused or reset, timeout, HTTP error without a fault. */
export class TransportError extends SoapError {
  override readonly name = 'TransportError';
  readonly category = 'transient' as const;
  constructor(
    message: string,
    /** The HTTP status, when a response arrived. */
    readonly httpStatus?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A non-200 HTTP answer that carried no SOAP fault (a proxy, a wrong path, an overloaded server). */
export class HttpStatusError extends SoapError {
  override readonly name = 'HttpStatusError';
  readonly category: ErrorCategory;
  constructor(readonly httpStatus: number) {
    super(`Marketo answered HTTP ${httpStatus} without a SOAP fault`);
    this.category =
      httpStatus >= 500 || httpStatus === 429 || httpStatus === 408
        ? 'transient'
        : httpStatus === 401 || httpStatus === 403
          ? 'auth'
          : 'invalid-request';
  }
}

/** The answer was not a well-formed SOAP message of the expected shape. */
export class ResponseFormatError extends SoapError {
  override readonly name = 'ResponseFormatError';
  // A truncated or non-SOAP answer is almost always a proxy or network fault: worth another attempt.
  readonly category = 'transient' as const;
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
