import { z } from 'zod';
import { OBJECT_TYPES } from '../vocabulary/object-types.js';
import { FOREIGN_SYS_TYPES } from '../vocabulary/foreign-sys-types.js';
import type { Attrib, LeadRecord, MObject } from '../soap/types.js';

/**
 * The JSON form of leads and Marketo objects that users write (NDJSON files, HTTP bodies, the library),
 * validated with messages that name the field, and turned into the SOAP types.
 */

/** The largest Marketo id (xs:int). */
export const INT_MAX = 2_147_483_647;
/** Characters XML 1.0 cannot carry. */
// eslint-disable-next-line no-control-regex
export const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Text that XML 1.0 can carry; anything else is refused here, before it is accepted. */
export const xmlString = z
  .string()
  .refine((s) => !NOT_XML.test(s), 'contains a control character that XML 1.0 cannot carry')
  .refine((s) => s.isWellFormed(), 'contains a lone UTF-16 surrogate (not valid Unicode)');

const marketoId = z.number().int().positive().max(INT_MAX);

/** An attribute value: numbers and booleans are sent as text, null clears the field. */
export const attributeValue = z.union([
  xmlString,
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.boolean(),
  z.null(),
]);
export type AttributeValue = z.infer<typeof attributeValue>;

/**
 * A field name Marketo can hold: its API names start with a letter and hold only letters, digits and
 * underscores. Anything else (`<`, `&`, spaces, control characters) would fail the whole call or be lost.
 */
export const MARKETO_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Names a JavaScript object cannot keep as plain keys: refused rather than silently dropped. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `name` cannot be a field name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'attribute names cannot be empty';
  if (RESERVED_NAMES.has(name)) return `the name ${JSON.stringify(name)} is reserved and cannot be used`;
  if (!MARKETO_NAME.test(name))
    return `the name ${JSON.stringify(name)} is not one Marketo can hold: a letter, then letters, digits or underscores`;
  return undefined;
}

const attributeName = z.string().superRefine((name, ctx) => {
  const problem = nameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Attributes by name. The names are checked before the record is read, because a record type drops a
 * `__proto__` key silently.
 */
export function attributeMap(): z.ZodType<Record<string, AttributeValue>, Record<string, AttributeValue>> {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      for (const name of Object.keys(value)) {
        const problem = nameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
    })
    .pipe(z.record(z.string(), attributeValue)) as unknown as z.ZodType<
    Record<string, AttributeValue>,
    Record<string, AttributeValue>
  >;
}

/** Text that is not empty or only white space. */
const keyText = xmlString.refine((s) => s.trim() !== '', 'cannot be empty or blank');

export const externalKeySchema = z.strictObject({ name: attributeName, value: xmlString });

/** A lead as users write it. */
export const leadRecordSchema = z
  .strictObject({
    Id: marketoId.optional(),
    Email: keyText.optional(),
    ForeignSysPersonId: keyText.optional(),
    ForeignSysType: z.enum(FOREIGN_SYS_TYPES).optional(),
    attributes: attributeMap().default({}),
  })
  .superRefine((lead, ctx) => {
    if (lead.Id === undefined && lead.Email === undefined && lead.ForeignSysPersonId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one key: Id, Email or ForeignSysPersonId' });
    }
    if (lead.ForeignSysPersonId !== undefined && lead.ForeignSysType === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ForeignSysType'],
        message: 'is required with ForeignSysPersonId',
      });
    }
    if (lead.ForeignSysType !== undefined && lead.ForeignSysPersonId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ForeignSysPersonId'],
        message: 'is required with ForeignSysType',
      });
    }
  });
export type LeadInput = z.infer<typeof leadRecordSchema>;

/** A Marketo object as users write it. */
export const mobjectRecordSchema = z.strictObject({
  type: z.enum(OBJECT_TYPES),
  id: marketoId.optional(),
  externalKey: externalKeySchema.optional(),
  attributes: attributeMap().optional(),
  typeAttributes: z
    .array(
      z.strictObject({
        attrType: z.enum(['Cost', 'Tag']),
        attributes: attributeMap(),
      }),
    )
    .optional(),
  associations: z
    .array(
      z
        .strictObject({
          mObjType: attributeName,
          id: marketoId.optional(),
          externalKey: externalKeySchema.optional(),
        })
        .refine((a) => a.id !== undefined || a.externalKey !== undefined, 'needs an id or externalKey'),
    )
    .optional(),
});
export type MObjectInput = z.infer<typeof mobjectRecordSchema>;

/** The text Marketo receives for a value. */
export function attributeText(value: AttributeValue): string {
  return value === null ? '' : String(value);
}

function attribs(values: Record<string, AttributeValue>): Attrib[] {
  return Object.entries(values).map(([name, value]) => ({ name, value: attributeText(value) }));
}

/** A validated lead as a SOAP LeadRecord. */
export function toLeadRecord(lead: LeadInput): LeadRecord {
  const record: LeadRecord = {};
  if (lead.Id !== undefined) record.Id = lead.Id;
  if (lead.Email !== undefined) record.Email = lead.Email;
  if (lead.ForeignSysPersonId !== undefined) record.ForeignSysPersonId = lead.ForeignSysPersonId;
  if (lead.ForeignSysType !== undefined) record.ForeignSysType = lead.ForeignSysType;
  record.attributes = attribs(lead.attributes);
  return record;
}

/** A validated object as a SOAP MObject. */
export function toMObject(input: MObjectInput): MObject {
  const object: MObject = { type: input.type };
  if (input.id !== undefined) object.id = input.id;
  if (input.externalKey !== undefined) object.externalKey = input.externalKey;
  if (input.attributes !== undefined) object.attributes = attribs(input.attributes);
  if (input.typeAttributes !== undefined) {
    object.typeAttributes = input.typeAttributes.map((t) => ({
      attrType: t.attrType,
      attributes: attribs(t.attributes),
    }));
  }
  if (input.associations !== undefined) {
    object.associations = input.associations.map((a) => {
      const association: NonNullable<MObject['associations']>[number] = { mObjType: a.mObjType };
      if (a.id !== undefined) association.id = a.id;
      if (a.externalKey !== undefined) association.externalKey = a.externalKey;
      return association;
    });
  }
  return object;
}

/** One problem with one input item: where it is and why it was refused. */
export interface InputProblem {
  /** 1-based line of a file, or 0-based index of an array. */
  at: number;
  /** Dotted path of the field, or `(record)` for the record as a whole. */
  field: string;
  reason: string;
}

/** Problems of a zod error, one per issue, each naming its field. */
export function problemsOf(error: z.ZodError, at: number): InputProblem[] {
  return error.issues.map((issue) => ({
    at,
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(record)',
    // A bad record key reports "Invalid key in record"; the reason is in its inner issues.
    reason: issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : issue.message,
  }));
}
