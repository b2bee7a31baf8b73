import type { LeadLedger } from '../transport/lead-ledger.js';
import type { LeadRef } from '../vocabulary/lead-refs.js';
import type { LeadIdCache } from './lead-cache.js';

/** What the lead resolver answers and needs (lead-resolver.ts, lead-lookups.ts). */

/** What one reference resolved to: a lead id, a wait for the lead's change, or why it cannot be. */
export type LeadResolution = { id: number } | { wait: string } | { failed: string };

/** What a resolver calls: what resolves a batch's references, for every kind that names leads. */
export interface LeadResolving {
  /**
   * One resolution per reference, in order. `options.ignorePending`: a lead with a change on its way
   * is resolved all the same (a check of what was already sent needs its id, not its order).
   */
  resolve(
    refs: readonly LeadRef[],
    signal?: AbortSignal,
    options?: { ignorePending?: boolean },
  ): Promise<LeadResolution[]>;
  /**
   * Per reference, the wait for its lead when a change of that lead is waiting or being sent, else
   * undefined; asks Marketo nothing. For records that carry the key itself (a custom object linked by
   * email) but must still land after their lead.
   */
  waiting?(refs: readonly LeadRef[]): Promise<({ wait: string } | undefined)[]>;
}

/** One page of Get Leads by Filter Type. */
export interface LeadPage {
  result: unknown[];
  nextPageToken?: string;
}

export interface LeadResolverDeps {
  /** The buffer's knowledge of leads (the worker's); left out, nothing waits and nothing is read there. */
  ledger?: LeadLedger;
  /** One Get Leads by Filter Type request with this form body (the transport's authenticated POST). */
  query(form: string, signal?: AbortSignal): Promise<LeadPage>;
  /** Takes a rate token for one more request; false when the worker is stopping. */
  admit?: () => Promise<boolean>;
  /** The REST lead field holding ForeignSysPersonId (`MARKETO_REST_FOREIGN_ID_FIELD`). */
  foreignIdField?: string;
  cache?: LeadIdCache;
}
