import type {
  StoredActivity,
  StoredCustomObject,
  StoredLead,
  StoredMembership,
  StoredMObject,
  StoredProgramStatus,
} from '../buffer/types.js';
import type { AttemptReporter } from './attempt.js';
import type { RecordResult } from './record-result.js';
import type {
  ActivityGroup,
  CustomObjectGroup,
  LeadGroup,
  ListMembershipGroup,
  ObjectGroup,
  ProgramStatusGroup,
  TransportGroup,
} from './groups.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';

/**
 * The seam between the worker's policy and the wire. A {@link Transport} takes one batch group and its
 * records and returns exactly one {@link RecordResult} per record, in order, or throws one
 * {@link MarketoCallError}. Every piece of wire knowledge (codes, parsing, signing, tokens, field names)
 * stays inside the transport.
 */

export * from './attempt.js';
export * from './call-error.js';
export * from './failure-kinds.js';
export * from './groups.js';
export * from './record-result.js';

/** One call's worth of records: a group and records of its kind. */
export type TransportCall =
  | { readonly group: LeadGroup; readonly records: readonly StoredLead[] }
  | { readonly group: ObjectGroup; readonly records: readonly StoredMObject[] }
  | { readonly group: ActivityGroup; readonly records: readonly StoredActivity[] }
  | { readonly group: CustomObjectGroup; readonly records: readonly StoredCustomObject[] }
  | { readonly group: ListMembershipGroup; readonly records: readonly StoredMembership[] }
  | { readonly group: ProgramStatusGroup; readonly records: readonly StoredProgramStatus[] };

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
/** What a lookup by key found for one record: its id, or null and why none. */
export type FoundId = { id: string } | { id: null; why: string };

export interface Transport {
  /** Which wire this is, for logs and metrics. */
  readonly kind: TransportKind;
  /**
   * True when Marketo, over this wire, keys an OpportunityPersonRole by its fields (opportunity, lead,
   * role): a second INSERT of one is refused (REST createOnly answers 1017), so after a lost answer it
   * may be resent as a checked create. SOAP's syncMObjects would insert a copy.
   */
  readonly keysRolesByFields?: boolean;
  /**
   * Looks up, by their keys, the ids of records Marketo has (a create whose answer was lost, answered
   * SKIPPED when resent, has no id in that answer). Resolves with one entry per record, in order: the
   * id, or null and why none was found. Never throws and never writes: it only reads. Left out by a
   * wire whose answers carry the id (SOAP).
   */
  findIds?(call: TransportCall, options?: CallOptions): Promise<FoundId[]>;
  /** The largest number of records one call of `group` may carry (REST: 300 leads, 1 program). */
  maxRecords(group: TransportGroup): number;
  /**
   * Sends the records of one group. Resolves with exactly one result per record, in the order given;
   * throws {@link MarketoCallError} when the call as a whole failed.
   */
  send(call: TransportCall, options?: CallOptions): Promise<RecordResult[]>;
  /**
   * Tells `reporter` of every HTTP attempt to Marketo from now on (retries and renewals inside a call
   * included), in terms that do not depend on the wire: the metrics and the quota count read these.
   */
  reportAttempts(reporter: AttemptReporter): void;
  /** Releases sockets; calls in flight are not waited for. */
  close(): void;
}
