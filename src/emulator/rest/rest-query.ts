import type { MObjectStore } from '../mobject-store.js';
import { RestCallError } from './rest-answer.js';

/**
 * Get Opportunities and Get Opportunity Roles (`GET /rest/v1/opportunities.json`,
 * `GET /rest/v1/opportunities/roles.json`) by `filterType` and `filterValues`, as Adobe documents them:
 * a filter on a dedupe or searchable field (here `externalOpportunityId` or `marketoGUID`), up to 300
 * comma-separated values, matching records with `seq` (their index in the result), `marketoGUID` and
 * their key fields; no `status`. Nothing matched is an empty `result`.
 */

export type QueryKind = 'opportunity' | 'role';

const FILTERS = ['externalOpportunityId', 'marketoGUID'] as const;
const MAX_VALUES = 300;

export function queryObjects(kind: QueryKind, query: URLSearchParams, objects: MObjectStore): unknown[] {
  const filterType = query.get('filterType');
  const raw = query.get('filterValues');
  if (!filterType || raw === null)
    throw new RestCallError(1003, 'The filterType and filterValues query parameters are required');
  if (!(FILTERS as readonly string[]).includes(filterType))
    throw new RestCallError(1003, `Invalid filterType '${filterType.slice(0, 100)}'`);
  const values = raw.split(',').filter((v) => v !== '');
  if (values.length > MAX_VALUES)
    throw new RestCallError(1003, `filterValues: at most ${MAX_VALUES} values, got ${values.length}`);
  const wanted = new Set(values);
  const result: Record<string, unknown>[] = [];
  if (kind === 'opportunity') {
    for (const value of values) {
      const found =
        filterType === 'marketoGUID'
          ? objects.byGuid('Opportunity', value)
          : objects.byExternalKey('Opportunity', { name: 'externalOpportunityId', value });
      if (found)
        result.push({
          marketoGUID: found.marketoGUID,
          externalOpportunityId: found.externalKey?.value ?? null,
          name: found.attributes.Name ?? null,
        });
    }
  } else {
    for (const role of objects.findRoles(() => true)) {
      const opportunity = objects.opportunity(Number(role.attributes.OpportunityId));
      const externalId = opportunity?.externalKey?.value ?? null;
      const key = filterType === 'marketoGUID' ? role.marketoGUID : externalId;
      if (key === null || !wanted.has(key)) continue;
      result.push({
        marketoGUID: role.marketoGUID,
        externalOpportunityId: externalId,
        leadId: Number(role.attributes.PersonId),
        role: role.attributes.Role ?? null,
      });
    }
  }
  return result.map((r, seq) => ({ seq, ...r }));
}
