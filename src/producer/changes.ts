import { z } from 'zod';
import type { BatchGroup, StoredLead, StoredMObject } from '../buffer/types.js';
import {
  attributeText,
  leadRecordSchema,
  mobjectRecordSchema,
  problemsOf,
  type InputProblem,
} from '../model/records.js';
import { SYNC_OPERATIONS } from '../soap/types.js';
import type { BufferedChange } from '../buffer/buffer.js';
import { fastLeadChange } from './fast-lead.js';
import { idempotencyKeySchema } from './idempotency-key.js';
import { leadGroupName, leadKey, mobjectKey } from './record-keys.js';

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

/** A change to a Marketo object: an object record plus its operation. */
export const mobjectChangeSchema = mobjectRecordSchema
  .safeExtend({ operation: z.enum(SYNC_OPERATIONS), idempotencyKey: idempotencyKeySchema.optional() })
  .superRefine((change, ctx) => {
    if (change.type === 'Program' && change.operation !== 'UPDATE') {
      ctx.addIssue({ code: 'custom', path: ['operation'], message: 'Program takes UPDATE only' });
    }
    if (change.operation !== 'INSERT' && change.id === undefined && change.externalKey === undefined) {
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
export type MObjectChange = z.input<typeof mobjectChangeSchema>;

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
    key: mobjectKey(change),
    group: `O:${change.type}:${change.operation}`,
    data,
  };
  if (change.idempotencyKey !== undefined) buffered.idempotencyKey = change.idempotencyKey;
  return buffered;
}

/** Result of validating a list of changes: what can be buffered, and every problem by index. */
export interface ValidatedChanges {
  valid: { index: number; change: BufferedChange }[];
  problems: InputProblem[];
}

/** Validates lead changes; `at` maps a position to what problems should name (index or line). */
export function validateLeads(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  inputs.forEach((input, i) => {
    const fast = fastLeadChange(input);
    if (fast) {
      out.valid.push({ index: i, change: fast });
      return;
    }
    const parsed = leadChangeSchema.safeParse(input);
    if (parsed.success) out.valid.push({ index: i, change: bufferedLead(parsed.data) });
    else out.problems.push(...problemsOf(parsed.error, at(i)));
  });
  return out;
}

/** Validates object changes. */
export function validateMObjects(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  inputs.forEach((input, i) => {
    const parsed = mobjectChangeSchema.safeParse(input);
    if (parsed.success) out.valid.push({ index: i, change: bufferedMObject(parsed.data) });
    else out.problems.push(...problemsOf(parsed.error, at(i)));
  });
  return out;
}
