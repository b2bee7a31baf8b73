import type { StoredCustomObject } from '../buffer/types.js';
import { leadRefKind, leadRefValue } from '../vocabulary/lead-refs.js';
import type { CustomObjectOperation } from '../vocabulary/member-groups.js';
import { objectFieldTable, type FieldTable } from './describe.js';
import { asObject } from './json.js';
import type { RestProblem } from './rest-problem.js';
import { restValue, type RestValue } from './values.js';

/**
 * A custom object in REST terms (Sync Custom Objects, Delete Custom Objects), checked against the
 * type's Describe: its fields by their API names, its dedupe fields (`dedupeBy: dedupeFields`) or its
 * `marketoGUID` (`dedupeBy: idField`, with UPDATE only: Adobe's custom objects page says "idField is
 * valid only for the updateOnly action type", the reading the reference's point 10.13.4 calls safe), and
 * the lead it links to (the type's relationship to Lead).
 */

/** Marketo's id field of every custom object type. */
export const CUSTOM_OBJECT_ID = 'marketoGUID';

/** What Describe says of one custom object type, as the sender needs it. */
export interface CustomObjectSchema {
  apiName: string;
  /** The 1 to 3 fields a record is found by. */
  dedupeFields: readonly string[];
  fields: FieldTable;
  /** The field linking a record to a lead, and the lead field it holds (`id`, `email`, …). */
  leadLink?: { field: string; leadField: string };
}

/** Reads Describe Custom Object's `result[0]`: dedupe fields, fields, the relationship to Lead. */
export function customObjectSchema(apiName: string, result: readonly unknown[]): CustomObjectSchema {
  const head = asObject(result[0]);
  const dedupe = Array.isArray(head?.dedupeFields)
    ? head.dedupeFields.filter((f): f is string => typeof f === 'string' && f !== '')
    : [];
  const schema: CustomObjectSchema = { apiName, dedupeFields: dedupe, fields: objectFieldTable(result) };
  for (const item of Array.isArray(head?.relationships) ? head.relationships : []) {
    const r = asObject(item);
    // Describe names the related object `object`, List names it `relatedTo` (Adobe's examples).
    const related = asObject(r?.object) ?? asObject(r?.relatedTo);
    if (typeof r?.field === 'string' && related?.name === 'Lead' && typeof related.field === 'string') {
      schema.leadLink = { field: r.field, leadField: related.field };
      break;
    }
  }
  return schema;
}

/** How a request names its records: by the dedupe fields or by `marketoGUID`. */
export type CustomObjectKeyMode = 'dedupeFields' | 'idField';

/** One custom object as the endpoint receives it, or why it cannot be sent (naming the change's field). */
export type CustomObjectRequest =
  | { ok: true; by: CustomObjectKeyMode; record: Record<string, RestValue> }
  | { ok: false; problem: RestProblem };

const problem = (field: string, reason: string): CustomObjectRequest => ({
  ok: false,
  problem: { field, reason },
});

/** The record of one stored custom object for a call of `operation`, checked against `schema`. */
export function customObjectRequest(
  object: StoredCustomObject,
  operation: CustomObjectOperation,
  schema: CustomObjectSchema,
): CustomObjectRequest {
  const attributes = object.attributes;
  const guid = Object.keys(attributes).find((n) => n.toLowerCase() === CUSTOM_OBJECT_ID.toLowerCase());
  if (guid !== undefined && operation !== 'UPDATE' && operation !== 'DELETE')
    return problem(
      `attributes.${guid}`,
      `names the record by Marketo's id (dedupeBy idField), which Marketo takes with UPDATE (updateOnly) or DELETE only; name it by ${schema.dedupeFields.join(', ')}`,
    );
  const by: CustomObjectKeyMode = guid !== undefined ? 'idField' : 'dedupeFields';
  const record: Record<string, RestValue> = {};
  if (by === 'idField') record[CUSTOM_OBJECT_ID] = attributes[guid!]!;
  else {
    if (schema.dedupeFields.length === 0)
      return problem('apiName', `${schema.apiName}: Describe names no dedupe field`);
    for (const name of schema.dedupeFields) {
      const given = Object.keys(attributes).find((n) => schema.fields.find(n)?.name === name);
      if (given === undefined || attributes[given] === '')
        return problem(
          `attributes.${name}`,
          `is missing: a dedupe field of ${schema.apiName}, which names the record`,
        );
      record[name] = restValue(attributes[given]!, schema.fields.find(name)!);
    }
  }
  // A delete names the record only; what else the merged change holds is not Marketo's to see.
  if (operation === 'DELETE') return { ok: true, by, record };
  for (const [name, text] of Object.entries(attributes)) {
    if (name === guid) continue;
    const at = `attributes.${name}`;
    const field = schema.fields.find(name);
    if (!field)
      return problem(
        at,
        `is not a field of ${schema.apiName} in this Marketo instance (unknown to Describe)`,
      );
    const isKey = schema.dedupeFields.includes(field.name);
    if (isKey && by === 'dedupeFields') continue;
    if (isKey)
      return problem(
        at,
        `is a dedupe field of ${schema.apiName}, which cannot change; name the record by it or by ${CUSTOM_OBJECT_ID}, not both`,
      );
    if (field.readOnly) return problem(at, `is read-only in Marketo (${field.name})`);
    const value = restValue(text, field);
    if (field.name in record && record[field.name] !== value)
      return problem(
        at,
        `names the same Marketo field (${field.name}) as another attribute with another value`,
      );
    record[field.name] = value;
  }
  if (object.lead !== undefined) {
    const linked = leadLinkValue(object, schema);
    if (!linked.ok) return linked;
    const { field, value } = linked;
    if (field in record && record[field] !== value)
      return problem('lead', `and attributes give ${field} two different values`);
    record[field] = value;
  }
  return { ok: true, by, record };
}

/**
 * The link field's value for the change's lead reference. A reference by the key the link holds is
 * sent as it is (an `Id` for a link to the lead's `id`, an `Email` for one to its `email`); another key
 * needs the lead resolver (keys to ids, issue 16), which is not wired here.
 */
function leadLinkValue(
  object: StoredCustomObject,
  schema: CustomObjectSchema,
): { ok: true; field: string; value: RestValue } | { ok: false; problem: RestProblem } {
  const link = schema.leadLink;
  if (!link)
    return {
      ok: false,
      problem: {
        field: 'lead',
        reason: `${schema.apiName} has no link to a lead (Describe names no relationship to Lead)`,
      },
    };
  const ref = object.lead!;
  const kind = leadRefKind(ref);
  const wanted = link.leadField.toLowerCase();
  if ((kind === 'Id' && wanted === 'id') || (kind === 'Email' && wanted === 'email'))
    return { ok: true, field: link.field, value: leadRefValue(ref) };
  return {
    ok: false,
    problem: {
      field: `lead.${kind}`,
      reason: `${schema.apiName} links to the lead's ${link.leadField} (field ${link.field}); a lead named by ${kind} needs the lead resolver, not available in this build: name the lead by ${wanted === 'id' ? 'Id' : wanted === 'email' ? 'Email' : link.leadField}`,
    },
  };
}
