import type { StoredLead, StoredMObject } from '../buffer/types.js';
import type { CallErrorCategory } from './call-error.js';
import type { LeadGroup, ObjectGroup, TransportGroup } from './groups.js';

/**
 * The seam between the worker's policy and the wire. A {@link Transport} takes one batch group and its
 * records and returns exactly one {@link RecordResult} per record, in order, or throws one
 * {@link MarketoCallError}. Every piece of wire knowledge (codes, parsing, signing, tokens, field names)
 * stays inside the transport.
 */

export * from './call-error.js';
export * from './groups.js';

export const RECORD_STATUSES = ['CREATED', 'UPDATED', 'UNCHANGED', 'SKIPPED', 'FAILED'] as const;
/** What happened to one record. */
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** The result of one record of a call. Texts are bounded ({@link MAX_TEXT_BYTES}). */
export interface RecordResult {
  /** CREATED, UPDATED, UNCHANGED, SKIPPED (nothing done, by the rules: e.g. a create of an existing record) or FAILED. */
  status: RecordStatus;
  /** Marketo's id as text: a lead id (`"1000001"`), a program id, or an opportunity's `marketoGUID`. */
  id: string | null;
  /** Marketo's record code (`"1004"`, `"20103"`), or null. */
  code: string | null;
  /**
   * For FAILED: what the policy should do with the record (`invalid-record`: final; `transient` or
   * `throttle`: may pass later; `indeterminate`: may have been applied). Null otherwise.
   */
  category: CallErrorCategory | null;
  /** Marketo's or the transport's explanation, or null. */
  message: string | null;
  /** The offending field as the change formats name it (e.g. `attributes.Pants`), when known. */
  field?: string;
}

/** One call's worth of records: a lead group with leads, or an object group with objects. */
export type TransportCall =
  | { readonly group: LeadGroup; readonly records: readonly StoredLead[] }
  | { readonly group: ObjectGroup; readonly records: readonly StoredMObject[] };

/** Per-call options. */
export interface CallOptions {
  /**
   * Abandons the call (e.g. a worker at its shutdown deadline). The transport then throws a
   * {@link MarketoCallError} with code `"aborted"` and says whether the request had been sent.
   */
  signal?: AbortSignal;
  /**
   * Once aborted (a worker received SIGTERM), the transport starts no further request of this call (no
   * internal retry, no re-signed or re-tokened resend); the request in flight goes on until `signal`.
   */
  stopping?: AbortSignal;
}

/** A way to Marketo: SOAP or REST. */
export interface Transport {
  /** Which wire this is, for logs and metrics. */
  readonly kind: 'soap' | 'rest';
  /**
   * True when Marketo, over this wire, keys an OpportunityPersonRole by its fields (opportunity, lead,
   * role): a second INSERT of one is refused (REST createOnly answers 1017), so after a lost answer it
   * may be resent as a checked create. SOAP's syncMObjects would insert a copy.
   */
  readonly keysRolesByFields?: boolean;
  /** The largest number of records one call of `group` may carry (REST: 300 leads, 1 program). */
  maxRecords(group: TransportGroup): number;
  /**
   * Sends the records of one group. Resolves with exactly one result per record, in the order given;
   * throws {@link MarketoCallError} when the call as a whole failed.
   */
  send(call: TransportCall, options?: CallOptions): Promise<RecordResult[]>;
  /** Releases sockets; calls in flight are not waited for. */
  close(): void;
}
