import { z } from 'zod';
import type { BufferedChange } from '../buffer/buffer.js';
import type { StoredCustomObject } from '../buffer/types.js';
import {
  attributeMap,
  attributeText,
  nameProblem,
  problemsOf,
  xmlString,
  type InputProblem,
} from '../model/records.js';
import { parseLeadRef, type LeadRef } from '../vocabulary/lead-refs.js';
import {
  API_NAME,
  CUSTOM_OBJECT_OPERATIONS,
  memberGroupName,
  memberTransportProblem,
} from '../vocabulary/member-groups.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { idempotencyKeySchema } from './idempotency-key.js';
import { encodeUriComponent as enc } from './uri-component.js';

/**
 * The custom object change format (library, HTTP `POST /v1/customobjects`, NDJSON and CSV files):
 *
 * ```json
 * {"apiName": "device_c", "operation": "UPSERT", "keys": {"serialNumber": "SN-1"},
 *  "attributes": {"model": "X1"}, "lead": {"Email": "ann@example.com"}}
 * ```
 *
 * `keys` names the record: its dedupe fields (1 to 3, as the type's Describe lists them), or for UPDATE
 * and DELETE its `marketoGUID`. The record key is the type and those keys, so that changes to one record
 * merge attribute by attribute and the last operation wins. Custom objects exist over REST only: intake
 * refuses them when the workers speak SOAP.
 */

/** Marketo's id field of a custom object record. */
const GUID = 'marketoGUID';
/** Adobe: 1 to 3 dedupe fields per custom object type. */
const MAX_KEYS = 3;

const keyValue = z.union([
  xmlString.min(1, 'cannot be empty'),
  z.number().refine(Number.isFinite, 'must be a finite number'),
]);

export const customObjectChangeSchema = z
  .strictObject({
    apiName: z
      .string()
      .regex(API_NAME, 'must be a custom object API name: a letter, then up to 99 letters, digits or _'),
    operation: z.enum(CUSTOM_OBJECT_OPERATIONS),
    keys: z
      .unknown()
      .superRefine((value, ctx) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
        for (const name of Object.keys(value)) {
          const problem = nameProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
        }
      })
      .pipe(z.record(z.string(), keyValue))
      .refine((keys) => Object.keys(keys).length >= 1 && Object.keys(keys).length <= MAX_KEYS, {
        message: `must name the record by its dedupe fields (1 to ${MAX_KEYS}) or by ${GUID}`,
      }),
    attributes: attributeMap().optional(),
    lead: z.unknown().optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .superRefine((change, ctx) => {
    const keys = Object.keys(change.keys);
    if (keys.includes(GUID)) {
      if (keys.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['keys'],
          message: `${GUID} names the record alone: give no other key with it`,
        });
      if (change.operation === 'INSERT' || change.operation === 'UPSERT')
        ctx.addIssue({
          code: 'custom',
          path: ['keys', GUID],
          message: `names the record by Marketo's id, which Marketo takes with UPDATE or DELETE only (dedupeBy idField); name it by its dedupe fields`,
        });
    }
    for (const name of Object.keys(change.attributes ?? {}))
      if (keys.some((k) => k.toLowerCase() === name.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['attributes', name],
          message: 'is one of keys: give it once, in keys',
        });
    if (
      change.operation === 'DELETE' &&
      change.attributes !== undefined &&
      Object.keys(change.attributes).length > 0
    )
      ctx.addIssue({
        code: 'custom',
        path: ['attributes'],
        message: 'a DELETE names the record by keys only',
      });
    if (change.lead !== undefined) {
      const ref = parseLeadRef(change.lead);
      if ('problem' in ref) ctx.addIssue({ code: 'custom', path: ['lead'], message: ref.problem });
    }
  });
export type CustomObjectChange = z.input<typeof customObjectChangeSchema>;

/** The record key of a custom object: its type and keys (sorted by name), values URI-encoded. */
export function customObjectKey(apiName: string, keys: Readonly<Record<string, string>>): string {
  const parts = Object.keys(keys)
    .sort()
    .map((name) => `${enc(name)}=${enc(keys[name]!)}`);
  return `C:${apiName}:${parts.join('&')}`;
}

/** A validated custom object change as the buffer stores it. */
export function bufferedCustomObject(change: z.output<typeof customObjectChangeSchema>): BufferedChange {
  const keys = Object.fromEntries(Object.entries(change.keys).map(([k, v]) => [k, attributeText(v)]));
  const attributes: Record<string, string> = { ...keys };
  for (const [name, value] of Object.entries(change.attributes ?? {}))
    attributes[name] = attributeText(value);
  const data: StoredCustomObject = { apiName: change.apiName, attributes };
  if (change.lead !== undefined) data.lead = parseLeadRef(change.lead) as LeadRef;
  const buffered: BufferedChange = {
    key: customObjectKey(change.apiName, keys),
    group: memberGroupName({
      kind: 'customObject',
      apiName: change.apiName,
      operation: change.operation,
    }),
    data,
  };
  if (change.idempotencyKey !== undefined) buffered.idempotencyKey = change.idempotencyKey;
  return buffered;
}

/**
 * Whether `input` is meant as a custom object change: it names an `apiName` and no `type` (the standard
 * objects' format names its `type`), so that one object endpoint, file or reconcile run takes both.
 */
export function isCustomObjectChange(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'apiName' in input && !('type' in input);
}

/** Validates custom object changes; `at` maps a position to what problems name (index or line). */
export function validateCustomObjects(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
  rules: { transport?: TransportKind } = {},
): { valid: { index: number; change: BufferedChange }[]; problems: InputProblem[] } {
  const out: { valid: { index: number; change: BufferedChange }[]; problems: InputProblem[] } = {
    valid: [],
    problems: [],
  };
  const refused = memberTransportProblem('customObject', rules.transport ?? 'soap');
  inputs.forEach((input, i) => {
    const parsed = customObjectChangeSchema.safeParse(input);
    if (!parsed.success) out.problems.push(...problemsOf(parsed.error, at(i)));
    else if (refused !== undefined) out.problems.push({ at: at(i), field: 'apiName', reason: refused });
    else out.valid.push({ index: i, change: bufferedCustomObject(parsed.data) });
  });
  return out;
}

/**
 * One CSV row as a custom object change: columns `apiName`, `operation`, `key.<name>` for each key,
 * `lead.Id`, `lead.Email` or `lead.ForeignSysPersonId` for the lead, `idempotencyKey`; every other
 * column is an attribute. An empty cell means no change to that field (clearing one needs NDJSON's null).
 */
export function customObjectCsvRow(row: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === '') continue;
    if (column === 'apiName' || column === 'operation' || column === 'idempotencyKey') out[column] = value;
    else if (column.startsWith('key.')) keys[column.slice(4)] = value;
    else if (column === 'lead.Id') out.lead = { Id: /^\d{1,15}$/.test(value) ? Number(value) : value };
    else if (column === 'lead.Email' || column === 'lead.ForeignSysPersonId')
      out.lead = { [column.slice(5)]: value };
    else attributes[column] = value;
  }
  out.keys = keys;
  if (Object.keys(attributes).length > 0) out.attributes = attributes;
  return out;
}
