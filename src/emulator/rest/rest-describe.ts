import type { LeadFieldCatalogue } from './lead-fields.js';
import { OPPORTUNITY_REST_FIELDS } from './rest-objects.js';

/**
 * The Describe answers (`result` arrays): leads with both names per field (`describe.json`), the
 * searchable-fields form (`describe2.json`), and opportunities and roles as Lead Database objects.
 */

export function describeLeads(catalogue: LeadFieldCatalogue): unknown[] {
  return catalogue.fields.map((f) => {
    const entry: Record<string, unknown> = { id: f.id, displayName: f.displayName, dataType: f.dataType };
    if (f.length !== undefined) entry.length = f.length;
    entry.rest = { name: f.rest, readOnly: f.readOnly };
    entry.soap = { name: f.soap, readOnly: f.readOnly };
    return entry;
  });
}

export function describeLeads2(catalogue: LeadFieldCatalogue): unknown[] {
  return [
    {
      name: 'API Lead',
      searchableFields: catalogue.fields.filter((f) => catalogue.isLookupField(f)).map((f) => [f.rest]),
      fields: catalogue.fields.map((f) => {
        const entry: Record<string, unknown> = {
          name: f.rest,
          displayName: f.displayName,
          dataType: f.dataType,
        };
        if (f.length !== undefined) entry.length = f.length;
        entry.updateable = !f.readOnly;
        entry.crmManaged = false;
        return entry;
      }),
    },
  ];
}

interface ObjectField {
  name: string;
  displayName: string;
  dataType: string;
  length?: number;
  updateable: boolean;
}

function displayName(name: string): string {
  const spaced = name.replace(/([a-z])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const SYSTEM_FIELDS: ObjectField[] = [
  { name: 'marketoGUID', displayName: 'Marketo GUID', dataType: 'string', length: 36, updateable: false },
  { name: 'createdAt', displayName: 'Created At', dataType: 'datetime', updateable: false },
  { name: 'updatedAt', displayName: 'Updated At', dataType: 'datetime', updateable: false },
];

function objectMetadata(
  name: string,
  dedupeFields: string[],
  fields: ObjectField[],
): Record<string, unknown> {
  return {
    name,
    displayName: displayName(name),
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    idField: 'marketoGUID',
    dedupeFields,
    searchableFields: [dedupeFields, ['marketoGUID']],
    fields: [...SYSTEM_FIELDS, ...fields],
  };
}

export function describeOpportunities(): unknown[] {
  const fields: ObjectField[] = [
    {
      name: 'externalOpportunityId',
      displayName: 'External Opportunity Id',
      dataType: 'string',
      length: 50,
      updateable: false,
    },
    {
      name: 'externalCompanyId',
      displayName: 'External Company Id',
      dataType: 'string',
      length: 100,
      updateable: true,
    },
    ...[...OPPORTUNITY_REST_FIELDS.keys()].map((name) => ({
      name,
      displayName: displayName(name),
      dataType: 'string',
      length: 255,
      updateable: true,
    })),
  ];
  return [objectMetadata('opportunity', ['externalOpportunityId'], fields)];
}

export function describeRoles(): unknown[] {
  return [
    objectMetadata(
      'opportunityRole',
      ['externalOpportunityId', 'leadId', 'role'],
      [
        {
          name: 'externalOpportunityId',
          displayName: 'External Opportunity Id',
          dataType: 'string',
          length: 50,
          updateable: false,
        },
        { name: 'leadId', displayName: 'Lead Id', dataType: 'integer', updateable: false },
        { name: 'role', displayName: 'Role', dataType: 'string', length: 50, updateable: false },
        { name: 'isPrimary', displayName: 'Is Primary', dataType: 'boolean', updateable: true },
        {
          name: 'externalCreatedDate',
          displayName: 'External Created Date',
          dataType: 'datetime',
          updateable: true,
        },
      ],
    ),
  ];
}
