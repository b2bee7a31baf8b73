import { z } from 'zod';

/**
 * The custom activity types of the emulated instance, as seeded: what Get Custom Activity Types
 * (`GET /rest/v1/activities/external/types.json`) lists and Add Custom Activities checks records against.
 */

const attributeSchema = z.strictObject({
  apiName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/),
  name: z.string().min(1).optional(),
  dataType: z
    .enum([
      'string',
      'boolean',
      'integer',
      'float',
      'link',
      'email',
      'currency',
      'date',
      'datetime',
      'phone',
      'text',
    ])
    .default('string'),
});

export const activityTypeSchema = z.strictObject({
  id: z.number().int().positive().max(2_147_483_647),
  apiName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/),
  name: z.string().min(1).optional(),
  /** SW-MAPI `CustomActivityType.status`; records are accepted for `approved` and `approved with draft`. */
  status: z.enum(['approved', 'draft', 'deleted', 'approved with draft']).default('approved'),
  primaryAttribute: attributeSchema,
  attributes: z.array(attributeSchema).max(20).default([]),
});

/** A custom activity type as seeded. */
export type ActivityType = z.output<typeof activityTypeSchema>;

/** Whether records of this type are accepted: its live version is approved. */
export function isLive(type: ActivityType): boolean {
  return type.status === 'approved' || type.status === 'approved with draft';
}

/** The default seed's types (documented in docs/emulator.md). */
export const DEFAULT_ACTIVITY_TYPES: ActivityType[] = [
  {
    id: 100001,
    apiName: 'trialStarted',
    name: 'Trial Started',
    status: 'approved',
    primaryAttribute: { apiName: 'plan', name: 'Plan', dataType: 'string' },
    attributes: [
      { apiName: 'seats', name: 'Seats', dataType: 'integer' },
      { apiName: 'source', name: 'Source', dataType: 'string' },
    ],
  },
  {
    id: 100002,
    apiName: 'invoicePaid',
    name: 'Invoice Paid',
    status: 'approved',
    primaryAttribute: { apiName: 'invoiceId', name: 'Invoice Id', dataType: 'string' },
    attributes: [
      { apiName: 'amount', name: 'Amount', dataType: 'currency' },
      { apiName: 'currency', name: 'Currency', dataType: 'string' },
    ],
  },
  {
    id: 100003,
    apiName: 'webinarAttended',
    name: 'Webinar Attended',
    status: 'draft',
    primaryAttribute: { apiName: 'webinar', name: 'Webinar', dataType: 'string' },
    attributes: [{ apiName: 'minutes', name: 'Minutes', dataType: 'integer' }],
  },
];
