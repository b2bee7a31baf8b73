import { MarketoCallError, type RecordResult } from '../transport/contract.js';
import { leadRefText, type LeadRef } from '../vocabulary/lead-refs.js';

/**
 * Leads named by reference in list membership and program member status calls: the one call site of the
 * lead resolver for both, and the results of a call refused whole for what all its records name.
 */

/** What the lead resolver answers per reference: the lead's id, wait for its own change, or why not. */
export type LeadResolution = { id: number } | { wait: string } | { failed: string };

/** Resolves lead references to Marketo ids, one answer per reference, in order. */
export type ResolveLeads = (refs: readonly LeadRef[], signal?: AbortSignal) => Promise<LeadResolution[]>;

/** The stand-in resolver: a reference by Id is its id; one by another key needs the real resolver. */
export const resolveIdsOnly: ResolveLeads = (refs) =>
  Promise.resolve(
    refs.map((ref): LeadResolution =>
      'Id' in ref
        ? { id: ref.Id }
        : { failed: `${leadRefText(ref)}: naming a lead by a key other than Id needs the lead resolver` },
    ),
  );

/**
 * The records' lead ids, or the result of a record whose lead cannot be named: FAILED for a key
 * Marketo does not know (final), FAILED transient for one that waits for its lead's own change (the
 * sender tries it again later). THE call site of the lead resolver for both member kinds.
 */
export async function leadIdsOf(
  refs: readonly LeadRef[],
  signal?: AbortSignal,
): Promise<({ id: number } | { result: RecordResult })[]> {
  // RESOLVER: until branch act's `src/rest/lead-resolver.ts` is wired here (`resolve(refs)` →
  // `{id}|{wait}|{failed}` per reference), only leads named by Id go through.
  const resolutions = await resolveIdsOnly(refs, signal);
  return resolutions.map((r) => {
    if ('id' in r) return { id: r.id };
    if ('wait' in r)
      return {
        result: {
          status: 'FAILED',
          id: null,
          code: null,
          category: 'transient',
          message: r.wait,
          field: 'lead',
        },
      };
    return {
      result: {
        status: 'FAILED',
        id: null,
        code: null,
        category: 'invalid-record',
        message: r.failed,
        field: 'lead',
      },
    };
  });
}

/**
 * A call refused whole because of what all its records name (an unknown list or program: 702, or
 * another record-level refusal that is certain not to have applied anything): each record FAILED with
 * it. Anything else is the sender's to decide (retry, split, indeterminate).
 */
export function refusedForAll(error: unknown): RecordResult | undefined {
  if (!(error instanceof MarketoCallError)) return undefined;
  if (error.category !== 'invalid-record' || error.applied !== 'not-applied') return undefined;
  return { status: 'FAILED', id: null, code: error.code, category: 'invalid-record', message: error.message };
}
