import type { CallApplied, CallErrorCategory, RecordStatus } from '../transport/contract.js';

/**
 * Every code Marketo's REST documentation lists, at its level, with what it means for mktsync. This is
 * the only place where a REST code becomes a category; nothing matches on message text.
 *
 * - `http`: an HTTP status (Marketo documents 413 and 414, and 401 from the Identity endpoint).
 * - `call`: `success: false` with `errors[].code` (6xx: "the entire request failed and was not
 *   executed"; 7xx: bad parameters or no data; 500/502 also appear there).
 * - `record`: `status: "skipped"` with `reasons[].code` (always 1xxx).
 */
export interface RestCodeMeaning {
  level: 'http' | 'call' | 'record';
  /** Marketo's name for the code. */
  name: string;
  /** For call and HTTP codes: the category of the whole call. For record codes: of the record. */
  category: CallErrorCategory;
  /** For call and HTTP codes: whether the request may have been applied. */
  applied?: CallApplied;
  /** For record codes: SKIPPED (nothing done, by the rules) or FAILED. */
  status?: Extract<RecordStatus, 'SKIPPED' | 'FAILED'>;
  /** For throttle codes: how long to wait (ms). */
  retryAfterMs?: number;
  /** For the rate throttles: the wait ends when Marketo's rate window frees a call (see MarketoCallError). */
  rateWindow?: boolean;
}

const http = (name: string, category: CallErrorCategory, applied: CallApplied): RestCodeMeaning => ({
  level: 'http',
  name,
  category,
  applied,
});
const call = (
  name: string,
  category: CallErrorCategory,
  extra: Partial<RestCodeMeaning> = {},
): RestCodeMeaning => ({
  level: 'call',
  name,
  category,
  // 6xx and 7xx: Marketo says the request was not executed; 500/502 below override this.
  applied: 'not-applied',
  ...extra,
});
const rec = (
  name: string,
  category: CallErrorCategory,
  status: 'SKIPPED' | 'FAILED' = 'FAILED',
): RestCodeMeaning => ({ level: 'record', name, category, status });

/** The rolling window of Marketo's rate limit (100 calls per 20 s). */
export const RATE_WINDOW_MS = 20_000;
/** A short wait after the concurrency limit (10 calls at once) was hit. */
export const CONCURRENCY_PAUSE_MS = 1_000;

/** HTTP statuses, keyed `http:<status>`. */
export const HTTP_CODES: Readonly<Record<string, RestCodeMeaning>> = Object.freeze({
  // The Identity endpoint: client id or secret wrong.
  'http:401': http('Unauthorized', 'auth', 'not-applied'),
  'http:403': http('Forbidden', 'auth', 'not-applied'),
  // Marketo answers an unknown resource with 610 in JSON; an HTTP 404 comes from a path outside the
  // API (a wrong base URL or Identity URL, a proxy in front): a setting, not a request, is wrong.
  'http:404': http('Not Found', 'config', 'not-applied'),
  // The server (or a proxy) gave up waiting for the whole request: nothing was read to act on.
  'http:408': http('Request Timeout', 'transient', 'not-applied'),
  // The body check keeps requests under 1 MB; a 413 means one record is too large: split to isolate it.
  'http:413': http('Request Entity Too Large', 'invalid-record', 'not-applied'),
  'http:414': http('Request-URI Too Long', 'invalid-request', 'not-applied'),
  'http:429': {
    ...http('Too Many Requests', 'throttle', 'not-applied'),
    retryAfterMs: RATE_WINDOW_MS,
    rateWindow: true,
  },
  // Marketo: "Likely a timeout" behind the gateway; the request may have run.
  'http:500': http('Internal Server Error', 'transient', 'indeterminate'),
  'http:502': http('Bad Gateway', 'transient', 'indeterminate'),
  // A service that is down or in maintenance refuses before doing anything.
  'http:503': http('Service Unavailable', 'transient', 'not-applied'),
  'http:504': http('Gateway Timeout', 'transient', 'indeterminate'),
});

/** Response-level codes (`success: false`). */
export const CALL_CODES: Readonly<Record<string, RestCodeMeaning>> = Object.freeze({
  '500': call('Internal Server error', 'transient', { applied: 'indeterminate' }),
  '502': call('Bad Gateway', 'transient', { applied: 'indeterminate' }),
  // Not in Adobe's table; older clients and knowledge bases list it. Our token was missing: renew once.
  '600': call('Empty access token', 're-auth'),
  '601': call('Access token invalid', 're-auth'),
  '602': call('Access token expired', 're-auth'),
  '603': call('Access denied', 'auth'),
  // "The request was running for too long": 6xx are documented as not executed, but a Sync Leads that
  // ran out of time may have written part of its records before it was stopped. What may have been
  // applied is indeterminate (updates are resent, creates are not).
  '604': call('Request time-out', 'transient', { applied: 'indeterminate' }),
  '605': call('HTTP Method not supported', 'invalid-request'),
  '606': call('Max rate limit exceeded', 'throttle', { retryAfterMs: RATE_WINDOW_MS, rateWindow: true }),
  '607': call('Daily quota reached', 'quota'),
  '608': call('API Temporarily Unavailable', 'transient'),
  '609': call('Invalid JSON', 'invalid-request'),
  // "The URI in the call did not match a REST API resource type": our paths are fixed, so the base
  // URL is wrong. An unknown program id still matches the resource type (Marketo answers 702).
  '610': call('Requested resource not found', 'config'),
  '611': call('System error', 'transient'),
  '612': call('Invalid Content Type', 'invalid-request'),
  '613': call('Invalid Multipart Request', 'invalid-request'),
  // "This usually indicates temporary inaccessibility."
  '614': call('Invalid Subscription', 'transient'),
  '615': call('Concurrent access limit reached', 'throttle', { retryAfterMs: CONCURRENCY_PAUSE_MS }),
  '616': call('Invalid subscription type', 'invalid-request'),
  '701': call('Cannot be blank', 'invalid-request'),
  // For a write of one program, "no data found" is that program missing.
  '702': call('No data found for a given search scenario', 'invalid-record'),
  '703': call('The feature is not enabled for the subscription', 'invalid-request'),
  // A date in a record (e.g. a cost's startDate).
  '704': call('Invalid date format', 'invalid-record'),
  '709': call('Business Rule Violation', 'invalid-record'),
  '710': call('Parent Folder Not Found', 'invalid-request'),
  '711': call('Incompatible Folder Type', 'invalid-request'),
  '712': call('Merge to person Account operation is invalid', 'invalid-request'),
  '713': call('Transient Error', 'transient'),
  '714': call('Unable to find the default record type', 'invalid-request'),
  '718': call('ExternalSalesPersonID not found', 'invalid-record'),
  '719': call('Lock wait timeout exception', 'transient'),
});

/** Record-level codes (`reasons[].code` of a skipped record). */
export const RECORD_CODES: Readonly<Record<string, RestCodeMeaning>> = Object.freeze({
  '1001': rec('Invalid value', 'invalid-record'),
  '1002': rec('Missing value for the required parameter', 'invalid-record'),
  '1003': rec('Invalid data', 'invalid-record'),
  // An update of a record that does not exist: the change did not land, so it fails (and is
  // dead-lettered for an operator), as SOAP's 20103 Lead Not Found does; the code says which wire.
  '1004': rec('Lead not found', 'invalid-record'),
  // A create of a record that exists: nothing done, by the rules (createOnly; a checked create's resend).
  '1005': rec('Lead already exists', 'invalid-record', 'SKIPPED'),
  '1006': rec('Field not found', 'invalid-record'),
  '1007': rec('Multiple leads match the lookup criteria', 'invalid-record'),
  '1008': rec('Access denied to partition', 'invalid-record'),
  '1009': rec('Partition name must be specified', 'invalid-record'),
  '1010': rec('Partition update not allowed', 'invalid-record'),
  '1011': rec('Field not supported', 'invalid-record'),
  '1012': rec('Invalid cookie value', 'invalid-record'),
  // An update of an object that does not exist: SKIPPED, as SOAP's syncMObjects answers it.
  '1013': rec('Object not found', 'invalid-record', 'SKIPPED'),
  '1014': rec('Failed to create Object', 'invalid-record'),
  '1015': rec('Lead not in list', 'invalid-record'),
  '1016': rec('Too many imports', 'throttle'),
  '1017': rec('Object already exists', 'invalid-record', 'SKIPPED'),
  '1018': rec('CRM Enabled', 'invalid-record'),
  '1019': rec('Import in progress', 'throttle'),
  '1020': rec('Too many clones to program', 'invalid-record'),
  '1021': rec('Company update not allowed', 'invalid-record'),
  '1022': rec('Object in use', 'invalid-record'),
  '1025': rec('Program status not found', 'invalid-record'),
  '1026': rec('Custom object not enabled', 'invalid-record'),
  '1027': rec('Max Activity Type Limit Reached', 'invalid-record'),
  '1028': rec('Max field limit reached', 'invalid-record'),
  '1029': rec('Too many jobs in queue / export daily quota exceeded / job already queued', 'throttle'),
  '1035': rec('Unsupported filter type', 'invalid-record'),
  '1036': rec('Duplicate object found in input', 'invalid-record'),
  '1037': rec('Lead was skipped', 'invalid-record', 'SKIPPED'),
  '1042': rec('Invalid runAt date', 'invalid-record'),
  '1048': rec('Custom Object Discard Draft Failed', 'invalid-record'),
  '1049': rec('Failed to Create Activity', 'invalid-record'),
  '1076': rec('Merge Leads call with mergeInCRM flag', 'invalid-record'),
  '1077': rec('Merge Leads call failed due to SFDC Field length', 'invalid-record'),
  '1078': rec(
    'Merge Leads call failed: deleted entity, not a lead/contact, or field filter mismatch',
    'invalid-record',
  ),
  '1079': rec('Merge Leads call failed due to Personalized URL conflict', 'invalid-record'),
});

/** The meaning of an HTTP status that carries no Marketo answer. */
export function httpStatusMeaning(status: number): RestCodeMeaning {
  const known = HTTP_CODES[`http:${status}`];
  if (known) return known;
  if (status >= 500) return http(`HTTP ${status}`, 'transient', 'indeterminate');
  // Marketo never redirects an API call; a redirect is an `http://` URL of an https-only host, or an
  // old host name. Following it would resend a POST body to a place nobody configured.
  if (status >= 300 && status < 400) return http(`Redirect ${status}`, 'config', 'not-applied');
  return http(`HTTP ${status}`, 'invalid-request', 'not-applied');
}

/** The meaning of a response-level code; an unknown one is treated by its hundred. */
export function callCodeMeaning(code: string): RestCodeMeaning {
  const known = CALL_CODES[code];
  if (known) return known;
  // Undocumented codes: a 6xx was "not executed" but we cannot say why, so another try may pass.
  if (/^6\d\d$/.test(code)) return call(`Unknown code ${code}`, 'transient');
  return call(`Unknown code ${code}`, 'invalid-request');
}

/** The meaning of a record-level code; an unknown one fails the record for good. */
export function recordCodeMeaning(code: string): RestCodeMeaning {
  return RECORD_CODES[code] ?? rec(`Unknown code ${code}`, 'invalid-record');
}
