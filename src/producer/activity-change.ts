import { z } from 'zod';
import type { BufferedChange } from '../buffer/buffer.js';
import type { StoredActivity } from '../buffer/types.js';
import { problemsOf } from '../model/records.js';
import type { IntakeRules, ValidatedChanges } from './changes.js';
import { leadRefText, parseLeadRef, type LeadRef } from '../vocabulary/lead-refs.js';
import { memberGroupName } from '../vocabulary/member-groups.js';
import type { TransportKind } from '../vocabulary/transport-kinds.js';
import { idempotencyKeySchema } from './idempotency-key.js';
import { encodeUriComponent } from './uri-component.js';

/**
 * The custom activity change format (library, HTTP `POST /v1/activities`, NDJSON and CSV files):
 * `{lead: {Email|Id|ForeignSysPersonId}, activityType: API name or id, activityDate: ISO 8601 with a
 * zone, primaryAttributeValue, attributes?}`. Every event is its own record: its key ends with `#`, so
 * the buffer never merges two (enqueue.lua), and all go to the one group `A`.
 */

/** An activity type's API name as Marketo forms them, or its id. */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
/** ISO 8601 date and time with a zone (`Z` or an offset): Marketo's own example has one. */
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Marketo's limits: 20 secondary attributes per type, 65,536 bytes of attributes per record (1049). */
const MAX_ATTRIBUTES = 20;
const MAX_ATTRIBUTE_BYTES = 65_536;
const MAX_VALUE_CHARS = 4_000;

const scalar = z.union([z.string().max(MAX_VALUE_CHARS), z.number().finite(), z.boolean()]);

export const activityChangeSchema = z.strictObject({
  lead: z.unknown().transform((value, ctx): LeadRef => {
    const ref = parseLeadRef(value);
    if ('problem' in ref) {
      ctx.addIssue({ code: 'custom', message: ref.problem });
      return z.NEVER;
    }
    return ref;
  }),
  activityType: z.union([
    z
      .string()
      .regex(API_NAME, 'must be an activity type API name (a letter, then letters, digits or _) or its id'),
    z.number().int().positive().max(2_147_483_647),
  ]),
  activityDate: z
    .string()
    .max(40)
    .refine(
      (v) => ISO_WITH_ZONE.test(v) && !Number.isNaN(Date.parse(v)),
      'must be an ISO 8601 date and time with a time zone, e.g. 2026-12-07T06:56:35Z or …+01:00',
    ),
  primaryAttributeValue: z.union([z.string().min(1).max(MAX_VALUE_CHARS), z.number().finite()]),
  attributes: z
    .record(
      z.string().regex(API_NAME, 'attribute names are API names: a letter, then letters, digits or _'),
      scalar,
    )
    .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
    .refine(
      (a) => Buffer.byteLength(JSON.stringify(a)) <= MAX_ATTRIBUTE_BYTES,
      `at most ${MAX_ATTRIBUTE_BYTES} bytes of attributes (Marketo refuses more with 1049)`,
    )
    .optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

/** A custom activity change as producers write it. */
export type ActivityChange = z.input<typeof activityChangeSchema>;

/** Why `transport` cannot carry custom activities (for the field `activityType`), or undefined. */
export function activityTransportProblem(transport: TransportKind): string | undefined {
  return transport === 'rest'
    ? undefined
    : 'custom activities do not exist over SOAP: Marketo offers them over REST only (set MARKETO_TRANSPORT=rest for the workers and intake)';
}

/** A validated activity change as the buffer stores it. */
export function bufferedActivity(change: z.output<typeof activityChangeSchema>): BufferedChange {
  const data: StoredActivity = {
    lead: change.lead,
    activityType: change.activityType,
    activityDate: change.activityDate,
    primaryAttributeValue: String(change.primaryAttributeValue),
    attributes: Object.fromEntries(Object.entries(change.attributes ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const enc = encodeUriComponent;
  const buffered: BufferedChange = {
    key: `A:${enc(leadRefText(change.lead))}:${enc(String(change.activityType))}#`,
    group: memberGroupName({ kind: 'activity' }),
    data,
  };
  if (change.idempotencyKey !== undefined) buffered.idempotencyKey = change.idempotencyKey;
  return buffered;
}

/**
 * Validates activity changes; `at` maps a position to what problems name (index or line). Over SOAP
 * every one is refused, naming `activityType`.
 */
export function validateActivities(
  inputs: readonly unknown[],
  at: (i: number) => number = (i) => i,
  rules: IntakeRules = {},
): ValidatedChanges {
  const out: ValidatedChanges = { valid: [], problems: [] };
  const refused = activityTransportProblem(rules.transport ?? 'soap');
  inputs.forEach((input, i) => {
    const parsed = activityChangeSchema.safeParse(input);
    if (!parsed.success) out.problems.push(...problemsOf(parsed.error, at(i)));
    else if (refused !== undefined) out.problems.push({ at: at(i), field: 'activityType', reason: refused });
    else out.valid.push({ index: i, change: bufferedActivity(parsed.data) });
  });
  return out;
}
