import type { StoredMObject } from '../buffer/types.js';
import type { ObjectOperation } from '../transport/contract.js';
import type { FieldTable } from './describe.js';
import { restObjectProblems, type RestProblem } from './expressible.js';
import { restValue, type RestValue } from './values.js';

/** The REST paths of Sync Opportunities and Sync Opportunity Roles. */
export const OBJECT_PATHS = {
  Opportunity: '/rest/v1/opportunities.json',
  OpportunityPersonRole: '/rest/v1/opportunities/roles.json',
} as const;

/** INSERT creates only, UPDATE updates only, UPSERT does either. */
export const OBJECT_ACTIONS: Readonly<
  Record<ObjectOperation, 'createOnly' | 'updateOnly' | 'createOrUpdate'>
> = {
  INSERT: 'createOnly',
  UPDATE: 'updateOnly',
  UPSERT: 'createOrUpdate',
};

// SOAP attribute names whose REST name is not the same word (found by ignoring case otherwise).
const ALIASES: Readonly<Record<'Opportunity' | 'OpportunityPersonRole', Readonly<Record<string, string>>>> = {
  Opportunity: { LeadSource: 'source' },
  OpportunityPersonRole: { PersonId: 'leadId' },
};

/** One object as the sync endpoints receive it, or why it cannot be sent. */
export type RestObject =
  { ok: true; record: Record<string, RestValue> } | { ok: false; problem: RestProblem };

/**
 * An Opportunity or OpportunityPersonRole in REST terms. An Opportunity's externalKey value becomes
 * `externalOpportunityId` (REST has that one dedupe field; the SOAP key name has no counterpart), its
 * Company association `externalCompanyId`. A role's Opportunity association becomes
 * `externalOpportunityId`, its Lead association `leadId`.
 */
export function restObject(
  object: StoredMObject,
  type: 'Opportunity' | 'OpportunityPersonRole',
  operation: ObjectOperation,
  fields: FieldTable,
): RestObject {
  if (object.type !== type)
    return { ok: false, problem: { field: 'type', reason: `is ${object.type} in a call of ${type}` } };
  const first = restObjectProblems(object, operation)[0];
  if (first) return { ok: false, problem: first };
  const record: Record<string, RestValue> = {};
  if (type === 'Opportunity') {
    record.externalOpportunityId = object.externalKey!.value;
    const company = object.associations?.find((a) => a.mObjType === 'Company');
    if (company?.externalKey) record.externalCompanyId = company.externalKey.value;
  } else {
    for (const a of object.associations ?? []) {
      if (a.mObjType === 'Opportunity' && a.externalKey) record.externalOpportunityId = a.externalKey.value;
      if (a.mObjType === 'Lead' && a.id !== undefined) record.leadId = a.id;
    }
  }
  for (const [name, text] of Object.entries(object.attributes ?? {})) {
    const at = `attributes.${name}`;
    const field = fields.find(ALIASES[type][name] ?? name);
    if (!field)
      return {
        ok: false,
        problem: {
          field: at,
          reason: `is not a field of ${type} in this Marketo instance (unknown to Describe)`,
        },
      };
    // Key fields are not updateable, but a create must carry them: only non-key read-only fields are refused.
    const isKey = ['externalOpportunityId', 'leadId', 'role'].includes(field.name);
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
