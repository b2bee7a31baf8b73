import type { StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../transport/contract.js';
import type { FieldTable } from './describe.js';
import { restObjectProblems } from './expressible.js';
import { REST_OBJECT_ROUTES, type RestObjectType } from './object-routes.js';
import type { RestProblem } from './rest-problem.js';
import { restValue, type RestValue } from './values.js';

/** INSERT creates only, UPDATE updates only, UPSERT does either. */
export const OBJECT_ACTIONS: Readonly<
  Record<ObjectOperation, 'createOnly' | 'updateOnly' | 'createOrUpdate'>
> = {
  INSERT: 'createOnly',
  UPDATE: 'updateOnly',
  UPSERT: 'createOrUpdate',
};

/** One object as the sync endpoints receive it, or why it cannot be sent. */
export type RestObject =
  { ok: true; record: Record<string, RestValue> } | { ok: false; problem: RestProblem };

/**
 * An object in REST terms, by its type's row of {@link REST_OBJECT_ROUTES}: its key and association
 * fields (an Opportunity's externalKey value becomes `externalOpportunityId`, a Company's
 * `externalCompanyId`, a role's associations `externalOpportunityId` and `leadId`), then its
 * attributes under the names Describe gives them.
 */
export function restObject(
  object: StoredMObject,
  type: RestObjectType,
  operation: ObjectOperation,
  fields: FieldTable,
): RestObject {
  if (object.type !== type)
    return { ok: false, problem: { field: 'type', reason: `is ${object.type} in a call of ${type}` } };
  const first = restObjectProblems(object, operation)[0];
  if (first) return { ok: false, problem: first };
  const route = REST_OBJECT_ROUTES[type];
  const record: Record<string, RestValue> = { ...route.keys(object) };
  for (const [name, text] of Object.entries(object.attributes ?? {})) {
    const at = `attributes.${name}`;
    const field = fields.find(route.aliases[name] ?? name);
    if (!field)
      return {
        ok: false,
        problem: {
          field: at,
          reason: `is not a field of ${type} in this Marketo instance (unknown to Describe)`,
        },
      };
    // Key fields are not updateable, but a create must carry them: only non-key read-only fields are refused.
    const isKey = route.keyFields.includes(field.name);
    if (field.readOnly && !isKey)
      return { ok: false, problem: { field: at, reason: `is read-only in Marketo (${field.name})` } };
    const value = restValue(text, field);
    if (field.name in record && record[field.name] !== value)
      return {
        ok: false,
        problem: {
          field: at,
          reason: `names the same Marketo field (${field.name}) as another key with another value`,
        },
      };
    record[field.name] = value;
  }
  return { ok: true, record };
}
