import type { Attrib } from '../../soap/types.js';
import type { RecordRule } from '../config.js';
import type { LeadStore } from '../lead-store.js';
import type { EmulatedObject, MObjectStore } from '../mobject-store.js';
import { OPPORTUNITY_FIELDS } from '../seed.js';
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
 * Sync Opportunities (`POST /rest/v1/opportunities.json`) and Sync Opportunity Roles
 * (`POST /rest/v1/opportunities/roles.json`) on the shared object store: results carry `seq` (the
 * input index) and `marketoGUID`; opportunities are deduplicated by `externalOpportunityId`, roles by
 * `externalOpportunityId` + `leadId` + `role`, or either by `marketoGUID` (`dedupeBy: idField`,
 * updateOnly only).
 */

export type ObjectKind = 'opportunity' | 'role';
export const OBJECT_ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate'] as const;
export const DEDUPE_BY = ['dedupeFields', 'idField'] as const;

export interface SyncObjectsCall {
  kind: ObjectKind;
  action: (typeof OBJECT_ACTIONS)[number];
  dedupeBy: (typeof DEDUPE_BY)[number];
  input: unknown[];
}

export type ObjectResult =
  | { seq: number; status: 'created' | 'updated'; marketoGUID: string }
  | { seq: number; status: 'skipped'; reasons: RestReason[] };

/** REST opportunity fields → the SOAP attribute names the store keeps. */
export const OPPORTUNITY_REST_FIELDS: ReadonlyMap<string, string> = new Map([
  ...OPPORTUNITY_FIELDS.map((soap): [string, string] => [soap.charAt(0).toLowerCase() + soap.slice(1), soap]),
  ['source', 'Source'],
]);
/** Role fields that may change on an existing role (the rest form its key). */
const ROLE_UPDATEABLE: ReadonlyMap<string, string> = new Map([
  ['isPrimary', 'IsPrimary'],
  ['externalCreatedDate', 'ExternalCreatedDate'],
]);
const ROLE_KEY_FIELDS = ['externalOpportunityId', 'leadId', 'role'] as const;
const OPPORTUNITY_KEY = 'externalOpportunityId';

export function readSyncObjects(kind: ObjectKind, body: JsonObject, rest: RestConfig): SyncObjectsCall {
  const action = enumParam(body, 'action', OBJECT_ACTIONS, 'createOrUpdate');
  const dedupeBy = enumParam(body, 'dedupeBy', DEDUPE_BY, 'dedupeFields');
  // Adobe: dedupeBy "is valid only when action is updateOnly"; its own example sends dedupeFields with
  // createOrUpdate, so only idField is refused with the other actions.
  if (dedupeBy === 'idField' && action !== 'updateOnly')
    throw new RestCallError(1003, 'Invalid value for dedupeBy: idField is valid only with action updateOnly');
  return { kind, action, dedupeBy, input: inputParam(body, rest) };
}

function text(name: string, value: unknown): string {
  if (value !== null && typeof value === 'object')
    throw new RecordSkip(1001, `Invalid value for '${name}': must be a string, number or boolean`);
  return String(value);
}

function required(record: JsonObject, name: string): string {
  const value = record[name];
  if (value === undefined || value === null || value === '')
    throw new RecordSkip(1002, `Missing value for required parameter '${name}'`);
  return text(name, value);
}

export function syncObjects(
  call: SyncObjectsCall,
  context: { objects: MObjectStore; leads: LeadStore; rest: RestConfig; rules: RecordRule[] },
): ObjectResult[] {
  const injected = restRuleVerdict(
    context.rules,
    call.input.map((r) =>
      receivedObject(
        call.kind === 'opportunity' ? 'Opportunity' : 'OpportunityPersonRole',
        OPPORTUNITY_KEY,
        r,
      ),
    ),
    false,
  );
  return call.input.map((record, seq) => {
    const reason = injected.get(seq);
    if (reason) return { seq, status: 'skipped', reasons: [reason] };
    try {
      if (!isJsonObject(record)) throw new RecordSkip(1003, 'Invalid data: a record must be a JSON object');
      const done =
        call.kind === 'opportunity'
          ? syncOpportunity(record, call, context)
          : syncRole(record, call, context);
      return { seq, status: done.status, marketoGUID: done.object.marketoGUID };
    } catch (error) {
      if (error instanceof RecordSkip) return { seq, status: 'skipped', reasons: [error.reason] };
      throw error;
    }
  });
}

type Done = { status: 'created' | 'updated'; object: EmulatedObject };

/** Finds the existing object for a record and decides by action; undefined means "create". */
function existingFor(found: EmulatedObject | undefined, call: SyncObjectsCall): EmulatedObject | undefined {
  if (found && call.action === 'createOnly') throw new RecordSkip(1017, 'Object already exists');
  if (!found && call.action === 'updateOnly') throw new RecordSkip(1013, 'Object not found');
  return found;
}

function syncOpportunity(
  record: JsonObject,
  call: SyncObjectsCall,
  context: { objects: MObjectStore; rest: RestConfig },
): Done {
  const { objects } = context;
  const attributes: Record<string, string> = {};
  const associations: Record<string, number> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === OPPORTUNITY_KEY || name === 'marketoGUID') continue;
    if (name === 'externalCompanyId') {
      const company = objects.companyByExternalValue(text(name, value));
      if (!company)
        throw new RecordSkip(1013, `Object not found: company ${text(name, value).slice(0, 100)}`);
      associations.Company = company.id;
      continue;
    }
    const soap = OPPORTUNITY_REST_FIELDS.get(name);
    if (!soap) throw new RecordSkip(1006, `Field ${named(name)} not found`);
    if (value === null && name === 'name')
      throw new RecordSkip(1002, "Missing value for required parameter 'name'");
    if (value !== null) attributes[soap] = text(name, value);
  }
  let found: EmulatedObject | undefined;
  let key: Attrib | undefined;
  if (call.dedupeBy === 'idField') {
    found = objects.byGuid('Opportunity', required(record, 'marketoGUID'));
  } else {
    key = { name: OPPORTUNITY_KEY, value: required(record, OPPORTUNITY_KEY) };
    found = objects.byExternalKey('Opportunity', key);
  }
  const existing = existingFor(found, call);
  if (existing) {
    Object.assign(existing.attributes, attributes);
    Object.assign(existing.associations, associations);
    existing.updatedAt = new Date().toISOString();
    return { status: 'updated', object: existing };
  }
  if (context.rest.opportunityNameRequired && attributes.Name === undefined)
    throw new RecordSkip(1002, "Missing value for required parameter 'name'");
  return { status: 'created', object: objects.createObject('Opportunity', attributes, associations, key) };
}

function syncRole(
  record: JsonObject,
  call: SyncObjectsCall,
  context: { objects: MObjectStore; leads: LeadStore },
): Done {
  const { objects, leads } = context;
  const updates: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if ((ROLE_KEY_FIELDS as readonly string[]).includes(name) || name === 'marketoGUID') continue;
    const soap = ROLE_UPDATEABLE.get(name);
    if (!soap) throw new RecordSkip(1006, `Field ${named(name)} not found`);
    if (value !== null) updates[soap] = text(name, value);
  }
  if (call.dedupeBy === 'idField') {
    const existing = existingFor(
      objects.byGuid('OpportunityPersonRole', required(record, 'marketoGUID')),
      call,
    )!;
    Object.assign(existing.attributes, updates);
    existing.updatedAt = new Date().toISOString();
    return { status: 'updated', object: existing };
  }
  const [externalId, leadText, role] = ROLE_KEY_FIELDS.map((name) => required(record, name)) as [
    string,
    string,
    string,
  ];
  const opportunity = objects.byExternalKey('Opportunity', { name: OPPORTUNITY_KEY, value: externalId });
  const leadId = /^\d{1,10}$/.test(leadText) ? Number(leadText) : NaN;
  if (Number.isNaN(leadId))
    throw new RecordSkip(1001, `Invalid value '${leadText.slice(0, 100)}'. Required of type 'integer'`);
  const matches = opportunity
    ? objects.findRoles(
        (r) =>
          r.attributes.OpportunityId === String(opportunity.id) &&
          r.attributes.PersonId === String(leadId) &&
          r.attributes.Role === role,
      )
    : [];
  const existing = existingFor(matches[0], call);
  if (existing) {
    Object.assign(existing.attributes, updates);
    existing.updatedAt = new Date().toISOString();
    return { status: 'updated', object: existing };
  }
  // Adobe: "the opportunity and lead referenced by the ID fields must exist".
  if (!opportunity) throw new RecordSkip(1013, `Object not found: opportunity ${externalId.slice(0, 100)}`);
  if (!leads.get(leadId)) throw new RecordSkip(1004, 'Lead not found');
  const attributes = {
    OpportunityId: String(opportunity.id),
    PersonId: String(leadId),
    Role: role,
    ...updates,
  };
  return { status: 'created', object: objects.createObject('OpportunityPersonRole', attributes, {}) };
}
