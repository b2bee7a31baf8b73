import type { StoredLead } from '../buffer/types.js';
import type { LeadGroup } from '../transport/contract.js';
import type { FieldTable } from './describe.js';
import { restLeadProblems, type RestExpressOptions, type RestProblem } from './expressible.js';
import { restValue, type RestValue } from './values.js';

/** The `action` and `lookupField` of a Sync Leads call for one lead group. */
export interface LeadCallShape {
  action: 'updateOnly' | 'createOrUpdate' | 'createDuplicate';
  /** Absent for createDuplicate, which never looks a lead up. */
  lookupField?: string;
}

/** A lead keyed by Id updates only (REST takes `id` only with updateOnly); the others upsert. */
export function leadCallShape(group: LeadGroup, foreignIdField: string | undefined): LeadCallShape {
  if (!group.dedupEnabled) return { action: 'createDuplicate' };
  switch (group.key) {
    case 'Id':
      return { action: 'updateOnly', lookupField: 'id' };
    case 'Email':
      return { action: 'createOrUpdate', lookupField: 'email' };
    case 'ForeignSysPersonId':
      return { action: 'createOrUpdate', lookupField: foreignIdField ?? 'ForeignSysPersonId' };
  }
}

/** One lead as Sync Leads receives it, or why it cannot be sent. */
export type RestLead = { ok: true; record: Record<string, RestValue> } | { ok: false; problem: RestProblem };

/**
 * A stored lead in REST terms: its group's key under the REST name, then its attributes renamed from
 * SOAP to REST names through Describe. A name the instance does not have, a read-only field, or two
 * names for one field fail this record only.
 */
export function restLead(
  lead: StoredLead,
  group: LeadGroup,
  fields: FieldTable,
  options: RestExpressOptions = {},
): RestLead {
  const first = restLeadProblems(lead, group.dedupEnabled, options)[0];
  if (first) return { ok: false, problem: first };
  const record: Record<string, RestValue> = {};
  const from = new Map<string, string>();
  const put = (restName: string, value: RestValue, field: string): RestProblem | undefined => {
    const earlier = from.get(restName);
    if (earlier !== undefined && record[restName] !== value)
      return { field, reason: `names the same Marketo field (${restName}) as ${earlier} with another value` };
    record[restName] = value;
    from.set(restName, field);
    return undefined;
  };
  const key = group.dedupEnabled ? group.key : undefined;
  if (key === 'Id') {
    if (lead.Id === undefined)
      return { ok: false, problem: { field: 'Id', reason: 'is required in this group' } };
    record.id = lead.Id;
    from.set('id', 'Id');
  } else {
    if (key === 'Email' && lead.Email === undefined)
      return { ok: false, problem: { field: 'Email', reason: 'is required in this group' } };
    if (key === 'ForeignSysPersonId' && lead.ForeignSysPersonId === undefined)
      return { ok: false, problem: { field: 'ForeignSysPersonId', reason: 'is required in this group' } };
    // Email travels with upserts and creates so that a new lead gets it (SOAP's Email key did the same).
    if (lead.Email !== undefined) put('email', lead.Email, 'Email');
    if (lead.ForeignSysPersonId !== undefined && options.foreignIdField)
      put(options.foreignIdField, lead.ForeignSysPersonId, 'ForeignSysPersonId');
  }
  for (const [name, text] of Object.entries(lead.attributes)) {
    const at = `attributes.${name}`;
    const field = fields.find(name);
    if (!field)
      return {
        ok: false,
        problem: {
          field: at,
          reason: 'is not a lead field of this Marketo instance (unknown to Describe Leads)',
        },
      };
    if (field.readOnly)
      return { ok: false, problem: { field: at, reason: `is read-only in Marketo (${field.name})` } };
    const problem = put(field.name, restValue(text, field), at);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, record };
}
