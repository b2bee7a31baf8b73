/**
 * The closed lists a failure is described by, whatever the wire: what it means for the sender's
 * policy and whether Marketo may have applied the call. Read by the call error and by each record's
 * result.
 */

/** What a failure means for the sender's policy. */
export const CALL_ERROR_CATEGORIES = [
  /** Marketo's or the network's trouble: retry with backoff, bounded attempts. */
  'transient',
  /** The rate or concurrency limit was hit: wait (see `retryAfterMs`), burn no attempt. */
  'throttle',
  /** The daily quota is used up: park until Marketo's reset (midnight US Central). */
  'quota',
  /**
   * The credentials of one request went stale (SOAP 20016, REST 601/602). Transports renew and resend
   * at once inside the call; it reaches the caller only when the renewed request was refused again.
   * Marketo executed nothing, so the records are resent with backoff and an attempt burnt (the
   * delivery policy's `re-auth` row): credentials refused twice in a row point at a setting, and the
   * attempts bound how long that goes on.
   */
  're-auth',
  /** Credentials are wrong or lack permission: stop sending, alert, burn nothing. */
  'auth',
  /**
   * A setting is wrong, not a record nor Marketo's mood: the endpoint's path answers 404 or REST 610
   * ("the URI did not match a REST API resource type"), the Identity URL answers 404, an endpoint
   * answers with a redirect (an `http://` URL of an https-only host). Nothing was applied. Like `auth`:
   * stop sending, keep the records, burn nothing, fail readiness naming `setting`, and probe again.
   */
  'config',
  /** The request itself is wrong (a bug or a setting): permanent for every record in it. */
  'invalid-request',
  /** One record made the whole call fail: split the call to isolate it. */
  'invalid-record',
  /** The answer did not say what happened to each record: the outcome is unknown. */
  'indeterminate',
  /**
   * The object the call writes is read-only in this instance (REST 1018 "CRM Enabled": a native CRM
   * sync owns it). Nothing of its group will pass until the instance changes: the group's records are
   * held (back to pending after the auth pause, no attempt burnt) while the other groups go on.
   */
  'read-only',
] as const;
export type CallErrorCategory = (typeof CALL_ERROR_CATEGORIES)[number];

/**
 * What is known about whether Marketo applied a failed call. A create must never be sent again unless
 * it is known not to have been applied.
 */
export const CALL_APPLIED = [
  /** The request never reached Marketo whole: no connection, DNS, TLS, connect timeout, aborted before sent. */
  'not-sent',
  /** Marketo answered that it did not execute the request (e.g. REST 6xx, a SOAP fault). */
  'not-applied',
  /** It may have been applied: timeout or reset after sending, a cut-off or malformed answer, a gateway error. */
  'indeterminate',
] as const;
export type CallApplied = (typeof CALL_APPLIED)[number];

/** The settings a configuration fault can name (a closed list: they are metric label values). */
export const CONFIG_SETTINGS = [
  'MARKETO_REST_ENDPOINT',
  'MARKETO_IDENTITY_ENDPOINT',
  // The Identity URL derived from the REST endpoint: either may be the wrong one.
  'MARKETO_REST_ENDPOINT or MARKETO_IDENTITY_ENDPOINT',
  'MARKETO_SOAP_ENDPOINT',
] as const;
export type ConfigSetting = (typeof CONFIG_SETTINGS)[number];
