import type { RecordRule } from '../config.js';
import type { EmulatedCompany, MObjectStore } from '../mobject-store.js';
import { RecordSkip, RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import {
  enumParam,
  inputParam,
  isJsonObject,
  named,
  restRuleVerdict,
  type JsonObject,
  receivedObject,
} from './rest-records.js';

/**
 * Sync Companies (`POST /rest/v1/companies.json`) and Describe Companies, after Adobe's companies page:
 * `action` createOnly, updateOnly or createOrUpdate (default), `dedupeBy` dedupeFields (default,
 * `externalCompanyId`) or idField (`id`, updateOnly only: the reading the reference's section 10.13
 * point 4 calls safe), up to the REST batch limit per call; each result carries `seq`, a status and
 * the company's integer `id`, or `skipped` with reasons (1013 not found, 1017 already exists, 1036 the
 * same externalCompanyId twice in one call, 1006 an unknown field, 1018 "CRM Enabled" while the
 * instance has a simulated native CRM sync: Adobe's companies page makes them read-only then).
 */

export const COMPANY_ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate'] as const;
export const COMPANY_DEDUPE_BY = ['dedupeFields', 'idField'] as const;

export interface SyncCompaniesCall {
  action: (typeof COMPANY_ACTIONS)[number];
  dedupeBy: (typeof COMPANY_DEDUPE_BY)[number];
  input: unknown[];
}

export type CompanyResult =
  | { seq: number; status: 'created' | 'updated'; id: number }
  | { seq: number; status: 'skipped'; reasons: RestReason[] };

const KEY = 'externalCompanyId';

/** The writable company fields and their Describe data types (the standard Company fields). */
export const COMPANY_FIELDS: ReadonlyMap<string, string> = new Map([
  ['company', 'string'],
  ['site', 'string'],
  ['website', 'url'],
  ['mainPhone', 'phone'],
  ['annualRevenue', 'currency'],
  ['numberOfEmployees', 'integer'],
  ['industry', 'string'],
  ['sicCode', 'string'],
  ['billingStreet', 'text'],
  ['billingCity', 'string'],
  ['billingState', 'string'],
  ['billingCountry', 'string'],
  ['billingPostalCode', 'string'],
]);

export function readSyncCompanies(body: JsonObject, rest: RestConfig): SyncCompaniesCall {
  const action = enumParam(body, 'action', COMPANY_ACTIONS, 'createOrUpdate');
  const dedupeBy = enumParam(body, 'dedupeBy', COMPANY_DEDUPE_BY, 'dedupeFields');
  if (dedupeBy === 'idField' && action !== 'updateOnly')
    throw new RestCallError(1003, 'Invalid value for dedupeBy: idField is valid only with action updateOnly');
  return { action, dedupeBy, input: inputParam(body, rest) };
}

function text(name: string, value: unknown): string {
  if (value !== null && typeof value === 'object')
    throw new RecordSkip(1001, `Invalid value for '${name}': must be a string, number or boolean`);
  return String(value);
}

export function syncCompanies(
  call: SyncCompaniesCall,
  context: { objects: MObjectStore; rules: RecordRule[] },
): CompanyResult[] {
  const injected = restRuleVerdict(
    context.rules,
    call.input.map((r) => receivedObject('Company', KEY, r)),
    false,
  );
  const seen = new Set<string>();
  return call.input.map((record, seq) => {
    const reason = injected.get(seq);
    if (reason) return { seq, status: 'skipped', reasons: [reason] };
    try {
      if (context.objects.nativeCrmSync)
        throw new RecordSkip(1018, 'CRM Enabled: companies are read-only under the native CRM sync');
      if (!isJsonObject(record)) throw new RecordSkip(1003, 'Invalid data: a record must be a JSON object');
      const done = syncCompany(record, call, context.objects, seen);
      return { seq, status: done.status, id: done.company.id };
    } catch (error) {
      if (error instanceof RecordSkip) return { seq, status: 'skipped', reasons: [error.reason] };
      throw error;
    }
  });
}

function syncCompany(
  record: JsonObject,
  call: SyncCompaniesCall,
  objects: MObjectStore,
  seen: Set<string>,
): { status: 'created' | 'updated'; company: EmulatedCompany } {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === KEY || name === 'id') continue;
    if (!COMPANY_FIELDS.has(name)) throw new RecordSkip(1006, `Field ${named(name)} not found`);
    attributes[name] = value === null ? '' : text(name, value);
  }
  let found: EmulatedCompany | undefined;
  let key: string | undefined;
  if (call.dedupeBy === 'idField') {
    const id = record.id;
    if (typeof id !== 'number' || !Number.isInteger(id))
      throw new RecordSkip(1002, "Missing value for required parameter 'id'");
    found = objects.company(id);
  } else {
    const value = record[KEY];
    if (value === undefined || value === null || value === '')
      throw new RecordSkip(1002, `Missing value for required parameter '${KEY}'`);
    key = text(KEY, value);
    if (key.length > 100)
      throw new RecordSkip(1001, `Invalid value for '${KEY}': longer than 100 characters`);
    found = objects.companyByExternalValue(key);
  }
  const dedupe = key ?? `id:${String(record.id)}`;
  if (seen.has(dedupe)) throw new RecordSkip(1036, 'Duplicate object found in input');
  seen.add(dedupe);
  if (found && call.action === 'createOnly') throw new RecordSkip(1017, 'Object already exists');
  if (!found && call.action === 'updateOnly') throw new RecordSkip(1013, 'Object not found');
  if (found) {
    found.attributes = { ...found.attributes, ...attributes };
    if (attributes.company !== undefined) found.name = attributes.company;
    found.updatedAt = new Date().toISOString();
    return { status: 'updated', company: found };
  }
  return { status: 'created', company: objects.createCompany(key!, attributes) };
}

/** Describe Companies: `idField: id`, `dedupeFields: [externalCompanyId]`, the fields with their types. */
export function describeCompanies(): unknown[] {
  return [
    {
      name: 'Company',
      description: 'Company object',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      idField: 'id',
      dedupeFields: [KEY],
      searchableFields: [[KEY], ['id'], ['company']],
      fields: [
        { name: 'createdAt', displayName: 'Created At', dataType: 'datetime', updateable: false },
        { name: KEY, displayName: 'External Company Id', dataType: 'string', length: 100, updateable: false },
        { name: 'id', displayName: 'Id', dataType: 'integer', updateable: false },
        { name: 'updatedAt', displayName: 'Updated At', dataType: 'datetime', updateable: false },
        ...[...COMPANY_FIELDS].map(([name, dataType]) => ({
          name,
          displayName: name,
          dataType,
          updateable: true,
        })),
      ],
    },
  ];
}
