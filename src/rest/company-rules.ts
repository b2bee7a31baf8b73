import type { StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../vocabulary/object-operations.js';
import type { RestProblem } from './rest-problem.js';

/**
 * A Company in REST terms (Sync Companies, `POST /rest/v1/companies.json`): named by its dedupe field
 * `externalCompanyId`, which the change gives as `externalKey: {name: "externalCompanyId", value}`, so
 * that every change of one company coalesces under one record key. Every call is sent with
 * `dedupeBy: dedupeFields`; Marketo's integer `id` (`dedupeBy: idField`, valid with updateOnly only)
 * is not taken: a call holds one dedupeBy, and a group mixing both would need two.
 */

/** The one dedupe field of a Company (Describe Companies: `dedupeFields: ["externalCompanyId"]`). */
export const COMPANY_KEY = 'externalCompanyId';
/** Describe Companies: `externalCompanyId` is a string of at most 100 characters. */
const COMPANY_KEY_MAX = 100;

/** What REST cannot express of a Company (any operation: every one goes by the dedupe field). */
export function companyProblems(object: StoredMObject, operation: ObjectOperation): RestProblem[] {
  const problems: RestProblem[] = [];
  if (object.id !== undefined)
    problems.push({
      field: 'id',
      reason: `mktsync names a company by its ${COMPANY_KEY} (externalKey), not by Marketo's id, for ${operation} too`,
    });
  const key = object.externalKey;
  if (key === undefined)
    problems.push({ field: 'externalKey', reason: `a company needs its ${COMPANY_KEY} (externalKey)` });
  else if (key.name !== COMPANY_KEY)
    problems.push({
      field: 'externalKey.name',
      reason: `must be ${COMPANY_KEY}, the one dedupe field of a Marketo company, got ${JSON.stringify(key.name.slice(0, 40))}`,
    });
  else if (key.value.trim() === '' || key.value.length > COMPANY_KEY_MAX)
    problems.push({ field: 'externalKey.value', reason: `must be 1 to ${COMPANY_KEY_MAX} characters` });
  if (object.associations?.length)
    problems.push({
      field: 'associations',
      reason: 'a company takes no associations (leads join it by their own externalCompanyId)',
    });
  for (const name of Object.keys(object.attributes ?? {}))
    if (name.toLowerCase() === COMPANY_KEY.toLowerCase())
      problems.push({
        field: `attributes.${name}`,
        reason: `give ${COMPANY_KEY} as the externalKey, not as an attribute`,
      });
  return problems;
}

/** The key field of a Company's REST record. */
export function companyKeys(object: StoredMObject): Record<string, string> {
  return { [COMPANY_KEY]: object.externalKey!.value };
}
