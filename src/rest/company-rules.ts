import type { StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../vocabulary/object-operations.js';
import type { RestProblem } from './rest-problem.js';

/**
 * A Company in REST terms (Sync Companies, `POST /rest/v1/companies.json`): named by its dedupe field
 * `externalCompanyId`, which the change gives as `externalKey: {name: "externalCompanyId", value}`, so
 * that every change of one company coalesces under one record key (`dedupeBy: dedupeFields`). An
 * UPDATE may name it by Marketo's integer `id` instead (`dedupeBy: idField`): Adobe's pages disagree on
 * where idField is valid, and the safe reading (reference 10.13 point 4) is with `updateOnly` only.
 */

/** The one dedupe field of a Company (Describe Companies: `dedupeFields: ["externalCompanyId"]`). */
export const COMPANY_KEY = 'externalCompanyId';
/** Describe Companies: `externalCompanyId` is a string of at most 100 characters. */
const COMPANY_KEY_MAX = 100;

/** What REST cannot express of a Company (any operation: every one goes by the dedupe field). */
export function companyProblems(object: StoredMObject, operation: ObjectOperation): RestProblem[] {
  const problems: RestProblem[] = [];
  const key = object.externalKey;
  if (object.id !== undefined) {
    if (operation !== 'UPDATE')
      problems.push({
        field: 'id',
        reason: `names a company by Marketo's id (dedupeBy idField), which Marketo takes with UPDATE (updateOnly) only; give its ${COMPANY_KEY} as externalKey`,
      });
    else if (key !== undefined)
      problems.push({
        field: 'externalKey',
        reason: `give the company's id or its ${COMPANY_KEY}, not both`,
      });
  } else if (key === undefined)
    problems.push({
      field: 'externalKey',
      reason: `a company needs its ${COMPANY_KEY} (externalKey), or for UPDATE its id`,
    });
  if (key !== undefined && key.name !== COMPANY_KEY)
    problems.push({
      field: 'externalKey.name',
      reason: `must be ${COMPANY_KEY}, the one dedupe field of a Marketo company, got ${JSON.stringify(key.name.slice(0, 40))}`,
    });
  else if (key !== undefined && (key.value.trim() === '' || key.value.length > COMPANY_KEY_MAX))
    problems.push({ field: 'externalKey.value', reason: `must be 1 to ${COMPANY_KEY_MAX} characters` });
  if (object.associations?.length)
    problems.push({
      field: 'associations',
      reason: 'a company takes no associations (leads join it by their own externalCompanyId)',
    });
  for (const name of Object.keys(object.attributes ?? {}))
    if (name.toLowerCase() === COMPANY_KEY.toLowerCase() || name.toLowerCase() === 'id')
      problems.push({
        field: `attributes.${name}`,
        reason: `give ${COMPANY_KEY} as the externalKey and Marketo's id as id, not as attributes`,
      });
  return problems;
}

/** How Marketo finds a company: by its id when the change names it so (UPDATE only), else by its key. */
export function companyDedupeBy(object: StoredMObject): 'dedupeFields' | 'idField' {
  return object.id !== undefined ? 'idField' : 'dedupeFields';
}

/** The key field of a Company's REST record: its id (idField) or its externalCompanyId. */
export function companyKeys(object: StoredMObject): Record<string, string | number> {
  return object.id !== undefined ? { id: object.id } : { [COMPANY_KEY]: object.externalKey!.value };
}
