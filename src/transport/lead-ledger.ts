import type { LeadRef } from '../vocabulary/lead-refs.js';

/**
 * What mktsync's own buffer knows of the leads that other records name by reference (custom
 * activities, memberships): whether the lead has a change waiting or in flight, else the Marketo id its
 * latest outcome carries. The worker implements it over Redis; a wire reads it to resolve references
 * without asking Marketo, and to hold a record back until its lead is synced.
 */
export type LeadLedgerState =
  /** A change of the lead waits or is being sent: `key` is its record key. */
  | { readonly busy: string }
  /** The lead's latest outcome carries this Marketo id. */
  | { readonly id: number }
  /** Nothing known: mktsync has not synced it (recently), or its last outcome has no id. */
  | null;

export interface LeadLedger {
  /** One state per reference, in order (an `Id` reference is answered `{id}` without a read). */
  states(refs: readonly LeadRef[]): Promise<LeadLedgerState[]>;
  /**
   * The lead references of up to `limit` records still waiting to be sent (any kind that names a lead),
   * soonest first: a lookup can take their keys along, to fill its request.
   */
  upcoming?(limit: number): Promise<LeadRef[]>;
}
