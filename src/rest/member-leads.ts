import { boundText, MarketoCallError, type RecordResult } from '../transport/contract.js';
import type { LeadResolving } from './lead-resolver.js';
import { leadRefText, type LeadRef } from '../vocabulary/lead-refs.js';

/**
 * Leads named by reference in list membership and program member status calls: the one call site of the
 * lead resolver for both, and the results of a call refused whole for what all its records name.
 */

/**
 * The records' lead ids, or the result of a record whose lead cannot be named: FAILED for a key
 * Marketo does not know (final), and, for a lead whose own change is on its way, a result that waits
 * for it (`waitsFor`: the sender puts the record back without an attempt burnt, after that change). The
 * one call site of the lead resolver for both member kinds.
 */
export async function leadIdsOf(
  resolver: LeadResolving,
  refs: readonly LeadRef[],
  signal?: AbortSignal,
): Promise<({ id: number } | { result: RecordResult })[]> {
  const resolutions = await resolver.resolve(refs, signal);
  return resolutions.map((r, i) => {
    if ('id' in r) return { id: r.id };
    if ('wait' in r)
      return {
        result: {
          status: 'FAILED',
          id: null,
          code: null,
          category: 'transient',
          message: boundText(r.wait),
          field: 'lead',
          waitsFor: leadRefText(refs[i]!),
        },
      };
    return {
      result: {
        status: 'FAILED',
        id: null,
        code: null,
        category: 'invalid-record',
        message: boundText(r.failed),
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
