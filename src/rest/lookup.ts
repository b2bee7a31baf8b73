import type { StoredMObject } from '../buffer/types.js';
import type { FoundId } from '../transport/contract.js';
import { REST_OBJECT_ROUTES } from './object-routes.js';

/**
 * Finding the marketoGUID of opportunities and roles by their dedupe fields, for records whose create
 * may have been applied by an attempt whose answer was lost (a resend answered SKIPPED carries no id).
 * Get Opportunities and Get Opportunity Roles take `filterType=externalOpportunityId` and up to 300
 * comma-separated `filterValues`; a role is then told apart by its lead and role. Pure: building the
 * requests and reading their answers; the transport sends them.
 */

/** At most this many values per request (Marketo's limit), and a query well under its 8 KB URI limit. */
const MAX_VALUES = 300;
const MAX_QUERY_CHARS = 6_000;

/** What identifies one record in a lookup's answer. */
export interface LookupKey {
  externalOpportunityId: string;
  /** Roles: the lead and the role, which with the opportunity form the role's key. */
  leadId?: number;
  role?: string;
}

/** The key of a record, or why it has none to look up by. */
export function lookupKey(
  type: 'Opportunity' | 'OpportunityPersonRole',
  object: StoredMObject,
): LookupKey | { why: string } {
  if (type === 'Opportunity') {
    const value = object.externalKey?.value;
    return value ? { externalOpportunityId: value } : { why: 'no externalKey to look it up by' };
  }
  // As restObject sends them: from the associations, or attributes of the same names (any case).
  const attribute = (...names: string[]): string | undefined =>
    Object.entries(object.attributes ?? {}).find(([name]) => names.includes(name.toLowerCase()))?.[1];
  const opportunity =
    object.associations?.find((a) => a.mObjType === 'Opportunity')?.externalKey?.value ??
    attribute('externalopportunityid');
  const leadText =
    object.associations?.find((a) => a.mObjType === 'Lead')?.id ?? attribute('personid', 'leadid');
  const leadId = leadText === undefined ? NaN : Number(leadText);
  const role = attribute('role');
  if (!opportunity || !Number.isSafeInteger(leadId) || role === undefined)
    return { why: 'no opportunity, lead and role to look it up by' };
  return { externalOpportunityId: opportunity, leadId, role };
}

/** The GET paths that look `values` up, each within the value and length limits. */
export function lookupPaths(
  type: 'Opportunity' | 'OpportunityPersonRole',
  values: readonly string[],
): string[] {
  const paths: string[] = [];
  let chunk: string[] = [];
  let chars = 0;
  const flush = (): void => {
    if (chunk.length === 0) return;
    const query = new URLSearchParams({ filterType: 'externalOpportunityId', filterValues: chunk.join(',') });
    paths.push(`${REST_OBJECT_ROUTES[type].path}?${query.toString()}`);
    chunk = [];
    chars = 0;
  };
  for (const value of new Set(values)) {
    const size = encodeURIComponent(value).length + 3;
    if (chunk.length >= MAX_VALUES || chars + size > MAX_QUERY_CHARS) flush();
    chunk.push(value);
    chars += size;
  }
  flush();
  return paths;
}

/** One record of a lookup's answer, as far as it could be read (every value's type checked). */
interface Found {
  guid: string;
  externalOpportunityId: string;
  leadId?: string;
  role?: string;
}

function readFound(item: unknown): Found | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const r = item as Record<string, unknown>;
  if (typeof r.marketoGUID !== 'string' || r.marketoGUID === '' || r.marketoGUID.length > 100)
    return undefined;
  if (typeof r.externalOpportunityId !== 'string') return undefined;
  const found: Found = { guid: r.marketoGUID.trim(), externalOpportunityId: r.externalOpportunityId };
  if (typeof r.leadId === 'number' || typeof r.leadId === 'string') found.leadId = String(r.leadId);
  if (typeof r.role === 'string') found.role = r.role;
  return found;
}

/** Each key's id in the records the lookups answered, or why none. */
export function matchFound(
  type: 'Opportunity' | 'OpportunityPersonRole',
  keys: readonly LookupKey[],
  answered: readonly unknown[],
): FoundId[] {
  const found = answered.map(readFound).filter((f): f is Found => f !== undefined);
  return keys.map((key) => {
    const hits = found.filter(
      (f) =>
        f.externalOpportunityId === key.externalOpportunityId &&
        (type === 'Opportunity' || (f.leadId === String(key.leadId) && f.role === key.role)),
    );
    if (hits.length === 1) return { id: hits[0]!.guid };
    if (hits.length === 0)
      return { id: null, why: `Marketo has no ${type} with this key (looked up by externalOpportunityId)` };
    return { id: null, why: `Marketo has ${hits.length} ${type} records with this key` };
  });
}
