import type { StoredMObject } from '../buffer/types.js';
import { groupName } from '../vocabulary/batch-groups.js';
import { boundText, MarketoCallError, type FoundId, type TransportCall } from '../transport/contract.js';
import { lookupKey, lookupPaths, matchFound, type LookupKey } from './lookup.js';

/** How a lookup reaches Marketo: one authenticated GET, and the shared limiter's admission. */
export interface LookupDeps {
  get(path: string, signal?: AbortSignal): Promise<unknown[]>;
  /** Takes a rate token for one more request; false when the worker is stopping. */
  admit?: () => Promise<boolean>;
}

/**
 * The marketoGUIDs of opportunities and roles by their dedupe fields (Get Opportunities, Get
 * Opportunity Roles by `externalOpportunityId`), for records whose create an attempt with a lost answer
 * may have applied. A failed or refused lookup leaves the records' ids null with why; nothing is
 * written or sent again.
 */
export async function lookUpIds(
  call: TransportCall,
  deps: LookupDeps,
  signal?: AbortSignal,
): Promise<FoundId[]> {
  const group = call.group;
  const none = (why: string): FoundId[] => call.records.map(() => ({ id: null, why }));
  // Opportunities and roles only: a lead's or a company's answer carries its id, a program has no key.
  if (group.kind !== 'object' || (group.type !== 'Opportunity' && group.type !== 'OpportunityPersonRole'))
    return none(`no lookup by key for ${group.kind === 'object' ? group.type : groupName(group)}`);
  const type = group.type;
  const keyed = (call.records as readonly StoredMObject[]).map((r) => lookupKey(type, r));
  const keys = keyed.filter((k): k is LookupKey => 'externalOpportunityId' in k);
  const answered: unknown[] = [];
  let failed: string | undefined;
  for (const path of lookupPaths(
    type,
    keys.map((k) => k.externalOpportunityId),
  )) {
    if (deps.admit && !(await deps.admit())) {
      failed = 'not looked up: the worker is stopping';
      break;
    }
    try {
      answered.push(...(await deps.get(path, signal)));
    } catch (error) {
      if (!(error instanceof MarketoCallError)) throw error;
      failed = `the lookup by key failed: ${boundText(error.message)}`;
      break;
    }
  }
  if (failed !== undefined) return none(failed);
  const matched = matchFound(type, keys, answered);
  let next = 0;
  return keyed.map((k) => ('why' in k ? { id: null, why: k.why } : matched[next++]!));
}
