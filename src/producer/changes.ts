import { z } from 'zod';
import type { BatchGroup, StoredLead, StoredMObject } from '../buffer/types.js';
import {
  attributeText,
  leadRecordSchema,
  mobjectRecordSchema,
  problemsOf,
  type InputProblem,
} from '../model/records.js';
import { groupName, parseGroupName } from '../vocabulary/batch-groups.js';
import { OBJECT_OPERATIONS } from '../vocabulary/object-operations.js';
import { operationProblem, transportProblem } from '../vocabulary/object-types.js';
import type { BufferedChange } from '../buffer/buffer.js';
import { fastLeadChange } from './fast-lead.js';
import { idempotencyKeySchema } from './idempotency-key.js';
import { restLeadProblems, restObjectProblems } from '../rest/expressible.js';
import { leadGroupName, leadKey, mobjectKey } from './record-keys.js';
import { isCustomObjectChange, validateCustomObjects } from './custom-object-changes.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';

export { leadKey, mobjectKey };

/**
 * The change formats producers accept (library, HTTP and files alike), their validation, and the
 * record key each change coalesces under.
 */

/** A change to a lead: a lead record plus an optional dedupEnabled and idempotency key. */
export const leadChangeSchema = leadRecordSchema.safeExtend({
  dedupEnabled: z.boolean().optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});
export type LeadChange = z.input<typeof leadChangeSchema>;

const mobjectChangeBase = mobjectRecordSchema.safeExtend({
  operation: z.enum(OBJECT_OPERATIONS),
  idempotencyKey: idempotencyKeySchema.optional(),
});

/**
 * The object change format's rules for the workers' `transport`. Over REST a role is identified by its
 * opportunity, lead and role (`dedupeBy: dedupeFields`), so an update or upsert of one needs neither id
 * nor externalKey there.
 */
function objectChangeSchema(transport: TransportKind) {
  return mobjectChangeBase.superRefine((change, ctx) => {
    // A group no transport carries (an operation its type does not take) is refused, never written.
    const refused = operationProblem(change.type, change.operation);
    if (refused !== undefined) ctx.addIssue({ code: 'custom', path: ['operation'], message: refused });
    // So is a type the workers' transport does not carry (a Company over SOAP): it names the field.
    const absent = transportProblem(change.type, transport);
    if (absent !== undefined) ctx.addIssue({ code: 'custom', path: ['type'], message: absent });
    const keyedByFields = transport === 'rest' && change.type === 'OpportunityPersonRole';
    if (
      change.operation !== 'INSERT' &&
      !keyedByFields &&
      change.id === undefined &&
      change.externalKey === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: `${change.operation} needs an id or externalKey`,
      });
    }
    if (change.type !== 'Program' && change.typeAttributes !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['typeAttributes'],
        message: 'only a Program takes Cost and Tag entries',
      });
    }
  });
}

/** A change to a Marketo object: an object record plus its operation. */
export const mobjectChangeSchema = objectChangeSchema('soap');
const restMobjectChangeSchema = objectChangeSchema('rest');
export type MObjectChange = z.input<typeof mobjectChangeSchema>;

/**
 * What intake refuses besides the change formats' own rules: over REST, what REST cannot express
 * (`src/rest/expressible.ts`), so that a change is refused naming its field before it is accepted.
 */
export interface IntakeRules {
  /** The transport the workers use (`MARKETO_TRANSPORT`); SOAP when unset. */
  transport?: TransportKind;
  /** `MARKETO_REST_FOREIGN_ID_FIELD`: without it, REST cannot take a ForeignSysPersonId. */
  foreignIdField?: string;
}

function texts(values: Record<string, string | number | boolean | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, attributeText(v)]));
}

/** A validated lead change as the buffer stores it. */
export function bufferedLead(lead: z.output<typeof leadChangeSchema>): BufferedChange {
  const data: StoredLead = { attributes: texts(lead.attributes) };
  if (lead.Id !== undefined) data.Id = lead.Id;
  if (lead.Email !== undefined) data.Email = lead.Email;
  if (lead.ForeignSysPersonId !== undefined) data.ForeignSysPersonId = lead.ForeignSysPersonId;
  if (lead.ForeignSysType !== undefined) data.ForeignSysType = lead.ForeignSysType;
  const group: BatchGroup = leadGroupName(data, lead.dedupEnabled);
  const change: BufferedChange = { key: leadKey(lead), group, data };
  if (lead.idempotencyKey !== undefined) change.idempotencyKey = lead.idempotencyKey;
  return change;
}

/** A validated object change as the buffer stores it. */
export function bufferedMObject(change: z.output<typeof mobjectChangeSchema>): BufferedChange {
  const data: StoredMObject = { type: change.type };
  if (change.id !== undefined) data.id = change.id;
  if (change.externalKey !== undefined) data.externalKey = change.externalKey;
  if (change.attributes !== undefined) data.attributes = texts(change.attributes);
  if (change.typeAttributes !== undefined) {
    data.typeAttributes = change.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: texts(t.attributes),
    }));
  }
  if (change.associations !== undefined) data.associations = change.associations;
  const buffered: BufferedChange = {
    key: roleFieldsKey(change) ?? mobjectKey(change),
    group: groupName({ kind: 'object', type: change.type, operation: change.operation }),
    data,
  };
  if (change.idempotencyKey !== undefined) buffered.idempotencyKey = change.idempotencyKey;
  return buffered;
}

/**
 * The record key of a role named by its fields only (REST's dedupe fields: opportunity, lead, role), so
 * that changes to one role merge and different roles do not; undefined for any other change.
 */
function roleFieldsKey(change: z.output<typeof mobjectChangeSchema>): string | undefined {
  if (change.type !== 'OpportunityPersonRole' || change.operation === 'INSERT') return undefined;
  if (change.id !== undefined || change.externalKey !== undefined) return undefined;
  const attributes = change.attributes ?? {};
  const pick = (name: string): string => {
    const found = Object.entries(attributes).find(([k]) => k.toLowerCase() === name.toLowerCase());
    return found === undefined ? '' : attributeText(found[1]);
  };
  const opportunity =
    change.associations?.find((a) => a.mObjType === 'Opportunity')?.externalKey?.value ??
    pick('externalOpportunityId');
  const lead =
    change.associations?.find((a) => a.mObjType === 'Lead')?.id?.toString() ??
    (pick('PersonId') || pick('leadId'));
  const enc = encodeURIComponent;
  return `O:OpportunityPersonRole:rf:${enc(opportunity)}|${enc(lead)}|${enc(pick('Role'))}`;
}

/** Result of validating a list of changes: what can be buffered, and every problem by index. */
export interface ValidatedChanges {
  valid: { index: number; change: BufferedChange }[];
  problems: InputProblem[];
}

/**
 * Accepts `change` unless the rules refuse it: over REST, each thing REST cannot express is a problem
 * naming its field.
 */
function admit(
  out: ValidatedChanges,
  index: number,
  at: number,
  change: BufferedChange,
  problems: (data: BufferedChange) => { field: string; reason: string }[],
): void {
  const found = problems(change);
  if (found.length === 0) out.valid.push({ index, change });
  else for (const p of found) out.problems.push({ at, field: p.field, reason: `${p.reason} (REST)` });
}

/** Whether Marketo deduplicates the lead change `c` (its group is not `L0`). */
function dedupEnabled(c: BufferedChange): boolean {
  const group = parseGroupName(c.group);
  return group?.kind === 'lead' && group.dedupEnabled;
}

/**
 * Validates lead changes; `at` maps a position to what problems should name (index or line); `rules`
 * add what the workers' transport cannot express.
 */
export function validateLeads(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
  rules: IntakeRules = {},
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  const rest = rules.transport === 'rest';
  const options = rules.foreignIdField ? { foreignIdField: rules.foreignIdField } : {};
  const problems = (c: BufferedChange) =>
    rest ? restLeadProblems(c.data as StoredLead, dedupEnabled(c), options) : [];
  inputs.forEach((input, i) => {
    const fast = fastLeadChange(input);
    if (fast) {
      admit(out, i, at(i), fast, problems);
      return;
    }
    const parsed = leadChangeSchema.safeParse(input);
    if (parsed.success) admit(out, i, at(i), bufferedLead(parsed.data), problems);
    else out.problems.push(...problemsOf(parsed.error, at(i)));
  });
  return out;
}

/**
 * Validates object changes, custom object changes among them (told apart by `apiName`, see
 * `custom-object-changes.ts`); see {@link validateLeads}.
 */
export function validateMObjects(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
  rules: IntakeRules = {},
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  const rest = rules.transport === 'rest';
  const schema = rest ? restMobjectChangeSchema : mobjectChangeSchema;
  inputs.forEach((input, i) => {
    // A custom object change (it names its `apiName`, not a `type`) takes its own format and rules.
    if (isCustomObjectChange(input)) {
      const custom = validateCustomObjects([input], () => at(i), rules);
      out.problems.push(...custom.problems);
      for (const v of custom.valid) out.valid.push({ index: i, change: v.change });
      return;
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      out.problems.push(...problemsOf(parsed.error, at(i)));
      return;
    }
    const operation = parsed.data.operation;
    admit(out, i, at(i), bufferedMObject(parsed.data), (c) =>
      rest ? restObjectProblems(c.data as StoredMObject, operation) : [],
    );
  });
  return out;
}
