import { z } from 'zod';
import { activityTypeSchema, DEFAULT_ACTIVITY_TYPES } from './activity-types.js';

/** Field data types a custom object field may have (Adobe: List Field Data Types, the common ones). */
export const CUSTOM_OBJECT_DATA_TYPES = [
  'string',
  'text',
  'integer',
  'float',
  'currency',
  'boolean',
  'date',
  'datetime',
  'email',
  'phone',
  'url',
  'link',
] as const;

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/**
 * One custom object type as Describe shows it: its API name, 1 to 3 dedupe fields, its fields (the
 * dedupe fields among them; `marketoGUID`, `createdAt`, `updatedAt` are added by the emulator), an
 * optional link field to a lead (`relatedTo` the lead's `id` or `email`), and `crmManaged`: a type
 * the simulated native CRM sync owns, whose writes are refused with 1018 ("CRM Enabled").
 */
export const customObjectTypeSchema = z
  .strictObject({
    apiName: z.string().regex(FIELD_NAME, 'must be a letter, then letters, digits or _ (at most 100)'),
    displayName: z.string().max(100).optional(),
    dedupeFields: z.array(z.string().regex(FIELD_NAME)).min(1).max(3),
    fields: z
      .array(
        z.strictObject({
          name: z.string().regex(FIELD_NAME),
          dataType: z.enum(CUSTOM_OBJECT_DATA_TYPES).default('string'),
          length: z.number().int().positive().max(65_535).optional(),
        }),
      )
      .min(1)
      .max(50),
    link: z
      .strictObject({ field: z.string().regex(FIELD_NAME), leadField: z.enum(['id', 'email']) })
      .optional(),
    crmManaged: z.boolean().default(false),
  })
  .superRefine((type, ctx) => {
    const names = new Set(type.fields.map((f) => f.name));
    for (const name of type.dedupeFields)
      if (!names.has(name))
        ctx.addIssue({ code: 'custom', path: ['dedupeFields'], message: `${name} is not one of fields` });
    if (type.link && !names.has(type.link.field))
      ctx.addIssue({ code: 'custom', path: ['link', 'field'], message: 'is not one of fields' });
    if (names.size !== type.fields.length)
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'names a field twice' });
    for (const reserved of ['marketoGUID', 'createdAt', 'updatedAt'])
      if (names.has(reserved))
        ctx.addIssue({ code: 'custom', path: ['fields'], message: `${reserved} is the system's field` });
  });

/** A custom object type as stored; see {@link customObjectTypeSchema}. */
export type CustomObjectType = z.output<typeof customObjectTypeSchema>;

/**
 * Seed data of the emulated instance: what a real Marketo instance already holds and syncMObjects
 * refers to (programs, tag and channel values, companies) plus the custom lead fields it knows.
 */
export const seedSchema = z.strictObject({
  programs: z
    .array(
      z.strictObject({
        id: z.number().int().positive(),
        name: z.string().min(1),
        /** Current tags by type, e.g. `{ "Channel": "Webinar" }`. */
        tags: z.record(z.string(), z.string()).default({}),
        costs: z
          .array(
            z.strictObject({
              id: z.number().int().positive(),
              month: z.string(),
              amount: z.number(),
              note: z.string().optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
  /** Allowed values per tag type; `Channel` is the one every instance has. */
  tags: z.record(z.string(), z.array(z.string())).default({}),
  companies: z
    .array(
      z.strictObject({
        id: z.number().int().positive(),
        name: z.string(),
        externalKey: z.strictObject({ name: z.string(), value: z.string() }).optional(),
      }),
    )
    .default([]),
  /** Custom lead fields known besides the standard ones. */
  customLeadFields: z.array(z.string().min(1)).default([]),
  /** Static lists (Add to List, Remove from List, Get Leads by List); members are added over REST. */
  lists: z.array(z.strictObject({ id: z.number().int().positive(), name: z.string().min(1) })).default([]),
  /**
   * Channels with their progression statuses (Get Channels); a program's channel is its `Channel` tag.
   * Sync Program Member Status never moves a member to a lower step.
   */
  channels: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        progressionStatuses: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              step: z.number().int().min(0),
              success: z.boolean().default(false),
              hidden: z.boolean().default(false),
            }),
          )
          .min(1),
      }),
    )
    .default([]),
  /** Custom activity types, as Get Custom Activity Types lists them (docs/emulator.md). */
  activityTypes: z.array(activityTypeSchema).default([]),
  /** Approved custom object types (see {@link customObjectTypeSchema}). */
  customObjects: z.array(customObjectTypeSchema).max(50).default([]),
  /**
   * The instance has a native CRM sync (Salesforce or Dynamics): Sync Companies refuses every record
   * with 1018 (Adobe's companies page: read-only under CRM sync).
   */
  nativeCrmSync: z.boolean().default(false),
});

/** Seed data as stored; see {@link seedSchema}. */
export type Seed = z.output<typeof seedSchema>;

const step = (
  name: string,
  n: number,
  success = false,
): Seed['channels'][number]['progressionStatuses'][number] => ({
  name,
  step: n,
  success,
  hidden: false,
});

/** Channels of the default seed, with steps as Marketo's default channels have them. */
const DEFAULT_CHANNELS: Seed['channels'] = [
  {
    name: 'Webinar',
    progressionStatuses: [
      step('Not in Program', 0),
      step('Invited', 10),
      step('Registered', 20),
      step('No Show', 30),
      step('Attended', 40, true),
      step('Attended On-demand', 40, true),
    ],
  },
  {
    name: 'Email Send',
    progressionStatuses: [step('Not in Program', 0), step('Member', 10), step('Engaged', 20, true)],
  },
  {
    name: 'Tradeshow',
    progressionStatuses: [
      step('Not in Program', 0),
      step('Invited', 10),
      step('Registered', 20),
      step('Attended', 30, true),
    ],
  },
  {
    name: 'Paid Search',
    progressionStatuses: [step('Not in Program', 0), step('Clicked', 10), step('Engaged', 20, true)],
  },
];

/**
 * The default seed, so that samples and demos work with nothing configured. Program ids 1001–1004 and
 * company ids 5001–5003 are documented in docs/emulator.md.
 */
export const DEFAULT_SEED: Seed = Object.freeze({
  programs: [
    { id: 1001, name: 'Webinar: Marketing Ops 2026', tags: { Channel: 'Webinar' }, costs: [] },
    { id: 1002, name: 'Newsletter November', tags: { Channel: 'Email Send' }, costs: [] },
    { id: 1003, name: 'Tradeshow Berlin', tags: { Channel: 'Tradeshow' }, costs: [] },
    { id: 1004, name: 'Paid Search Q4', tags: { Channel: 'Paid Search' }, costs: [] },
  ],
  tags: {
    Channel: [
      'Webinar',
      'Email Send',
      'Tradeshow',
      'Paid Search',
      'Content Syndication',
      'Online Advertising',
    ],
    Region: ['EMEA', 'AMER', 'APAC'],
  },
  companies: [
    { id: 5001, name: 'Acme Corp', externalKey: { name: 'crmAccountId', value: 'ACME-001' } },
    { id: 5002, name: 'Globex', externalKey: { name: 'crmAccountId', value: 'GLOBEX-002' } },
    { id: 5003, name: 'Initech', externalKey: { name: 'crmAccountId', value: 'INITECH-003' } },
  ],
  customLeadFields: ['crmContactId', 'lifecycleStage', 'productInterest', 'leadScoreCustom', 'lastEventAt'],
  lists: [
    { id: 7001, name: 'Newsletter subscribers' },
    { id: 7002, name: 'Trial users' },
    { id: 7003, name: 'Customers' },
    { id: 7004, name: 'Event invitees' },
    { id: 7005, name: 'Do not contact' },
  ],
  channels: DEFAULT_CHANNELS,
  activityTypes: DEFAULT_ACTIVITY_TYPES,
  customObjects: [
    {
      apiName: 'device_c',
      displayName: 'Device',
      dedupeFields: ['serialNumber'],
      fields: [
        { name: 'serialNumber', dataType: 'string', length: 100 },
        { name: 'model', dataType: 'string', length: 255 },
        { name: 'firmware', dataType: 'string', length: 50 },
        { name: 'purchasedAt', dataType: 'datetime' },
        { name: 'active', dataType: 'boolean' },
        { name: 'leadId', dataType: 'link' },
      ],
      link: { field: 'leadId', leadField: 'id' },
      crmManaged: false,
    },
    {
      apiName: 'subscription_c',
      displayName: 'Subscription',
      dedupeFields: ['subscriptionId'],
      fields: [
        { name: 'subscriptionId', dataType: 'string', length: 100 },
        { name: 'plan', dataType: 'string', length: 100 },
        { name: 'seats', dataType: 'integer' },
        { name: 'mrr', dataType: 'currency' },
        { name: 'renewsOn', dataType: 'date' },
        { name: 'leadEmail', dataType: 'link' },
      ],
      link: { field: 'leadEmail', leadField: 'email' },
      crmManaged: false,
    },
  ],
  nativeCrmSync: false,
}) as Seed;

/** Marketo's standard lead fields that the emulator accepts without configuration. */
export const STANDARD_LEAD_FIELDS: readonly string[] = [
  'Email',
  'FirstName',
  'LastName',
  'MiddleName',
  'Salutation',
  'Title',
  'Company',
  'Phone',
  'MobilePhone',
  'MainPhone',
  'Fax',
  'Website',
  'Address',
  'City',
  'State',
  'PostalCode',
  'Country',
  'Industry',
  'NumberOfEmployees',
  'AnnualRevenue',
  'LeadSource',
  'LeadStatus',
  'LeadScore',
  'Rating',
  'Unsubscribed',
  'UnsubscribedReason',
  'DoNotCall',
  'DoNotCallReason',
  'DateofBirth',
  'Department',
  'SICCode',
  'BillingStreet',
  'BillingCity',
  'BillingState',
  'BillingPostalCode',
  'BillingCountry',
  'AnonymousIP',
  'InferredCompany',
  'InferredCountry',
  'LeadRole',
  'Priority',
  'Urgency',
  'RelativeScore',
];

/** Opportunity attributes Marketo documents. */
export const OPPORTUNITY_FIELDS: readonly string[] = [
  'Amount',
  'CloseDate',
  'Description',
  'ExpectedRevenue',
  'ExternalCreatedDate',
  'Fiscal',
  'FiscalQuarter',
  'FiscalYear',
  'ForecastCategoryName',
  'IsClosed',
  'IsWon',
  'LastActivityDate',
  'LeadSource',
  'Name',
  'NextStep',
  'Probability',
  'Quantity',
  'Stage',
  'Type',
];

/** OpportunityPersonRole attributes Marketo documents. */
export const OPPORTUNITY_ROLE_FIELDS: readonly string[] = [
  'OpportunityId',
  'PersonId',
  'Role',
  'ExternalCreatedDate',
  'IsPrimary',
];
