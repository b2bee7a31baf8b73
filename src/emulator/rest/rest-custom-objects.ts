import type { RecordRule } from '../config.js';
import {
  CustomObjectStore,
  type CustomObjectValue,
  type EmulatedCustomObject,
} from '../custom-object-store.js';
import type { LeadStore } from '../lead-store.js';
import type { CustomObjectType } from '../seed.js';
import { RecordSkip, RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import {
  enumParam,
  inputParam,
  isJsonObject,
  named,
  receivedObject,
  restRuleVerdict,
  shown,
  type JsonObject,
} from './rest-records.js';

/**
 * Custom objects after Adobe's custom objects page: List (`GET /rest/v1/customobjects.json`), Describe
 * (`…/{apiName}/describe.json`), Sync (`POST …/{apiName}.json`: `action` createOnly, updateOnly or
 * createOrUpdate (default), `dedupeBy` dedupeFields (default) or idField (`marketoGUID`, updateOnly
 * only, the reading the reference's section 10.13 point 4 calls safe; else 1003)) and Delete
 * (`POST …/{apiName}/delete.json`, `deleteBy` dedupeFields (default) or idField). Per record `{seq,
 * status, marketoGUID}` or skipped with reasons: 1002 a key missing, 1001 a value of the wrong type,
 * 1004 a link naming no lead, 1006 an unknown field, 1013 not found (updateOnly, delete), 1017 already
 * exists (createOnly), 1036 the same record twice in one call, 1018 a type the simulated native CRM
 * sync manages (Adobe does not say what Marketo answers there; 1018 "CRM Enabled" is its code for
 * "the instance has a native CRM integration enabled"). A type the instance lacks: whole-call 1003.
 */

export const CUSTOM_OBJECT_ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate'] as const;
export const CUSTOM_OBJECT_KEYS = ['dedupeFields', 'idField'] as const;

export interface SyncCustomObjectsCall {
  type: CustomObjectType;
  action: (typeof CUSTOM_OBJECT_ACTIONS)[number];
  dedupeBy: (typeof CUSTOM_OBJECT_KEYS)[number];
  input: unknown[];
}

export interface DeleteCustomObjectsCall {
  type: CustomObjectType;
  deleteBy: (typeof CUSTOM_OBJECT_KEYS)[number];
  input: unknown[];
}

export type CustomObjectResult =
  | { seq: number; status: 'created' | 'updated' | 'deleted'; marketoGUID: string }
  | { seq: number; status: 'skipped'; reasons: RestReason[] };

export interface CustomObjectContext {
  store: CustomObjectStore;
  leads: LeadStore;
  rules: RecordRule[];
}

const GUID = 'marketoGUID';
const SYSTEM_FIELDS = [GUID, 'createdAt', 'updatedAt'];

/** The type named in the path, or whole-call 1003 (Adobe does not say which code Marketo uses). */
export function customObjectType(store: CustomObjectStore, apiName: string): CustomObjectType {
  const type = store.type(apiName);
  if (!type) throw new RestCallError(1003, `Invalid custom object type ${named(apiName)}: not found`);
  return type;
}

export function readSyncCustomObjects(
  type: CustomObjectType,
  body: JsonObject,
  rest: RestConfig,
): SyncCustomObjectsCall {
  const action = enumParam(body, 'action', CUSTOM_OBJECT_ACTIONS, 'createOrUpdate');
  const dedupeBy = enumParam(body, 'dedupeBy', CUSTOM_OBJECT_KEYS, 'dedupeFields');
  if (dedupeBy === 'idField' && action !== 'updateOnly')
    throw new RestCallError(1003, 'Invalid value for dedupeBy: idField is valid only with action updateOnly');
  return { type, action, dedupeBy, input: inputParam(body, rest) };
}

export function readDeleteCustomObjects(
  type: CustomObjectType,
  body: JsonObject,
  rest: RestConfig,
): DeleteCustomObjectsCall {
  const deleteBy = enumParam(body, 'deleteBy', CUSTOM_OBJECT_KEYS, 'dedupeFields');
  return { type, deleteBy, input: inputParam(body, rest) };
}

/** Applies one Sync Custom Objects call: one result per record, in order. */
export function syncCustomObjects(
  call: SyncCustomObjectsCall,
  context: CustomObjectContext,
): CustomObjectResult[] {
  return eachRecord(call.type, call.input, context, (record, seen) => {
    const { type } = call;
    const fields = checkedFields(type, record, context.leads, call.dedupeBy === 'idField');
    let found: EmulatedCustomObject | undefined;
    let dedupe: string;
    if (call.dedupeBy === 'idField') {
      const guid = record[GUID];
      if (typeof guid !== 'string' || guid === '')
        throw new RecordSkip(1002, `Missing value for required parameter '${GUID}'`);
      dedupe = guid;
      found = context.store.byGuid(type.apiName, guid);
    } else {
      dedupe = dedupeKeyOf(type, fields);
      found = context.store.byKey(type.apiName, dedupe);
    }
    if (seen.has(dedupe)) throw new RecordSkip(1036, 'Duplicate object found in input');
    seen.add(dedupe);
    if (found && call.action === 'createOnly') throw new RecordSkip(1017, 'Object already exists');
    if (!found && call.action === 'updateOnly') throw new RecordSkip(1013, 'Object not found');
    if (found) {
      // Dedupe fields name the record; they are not updateable.
      const updates = Object.fromEntries(
        Object.entries(fields).filter(([name]) => !type.dedupeFields.includes(name)),
      );
      context.store.update(found, updates);
      return { status: 'updated', marketoGUID: found.marketoGUID };
    }
    return { status: 'created', marketoGUID: context.store.create(type, fields).marketoGUID };
  });
}

/** Applies one Delete Custom Objects call: deleted, or skipped 1013 when not found. */
export function deleteCustomObjects(
  call: DeleteCustomObjectsCall,
  context: CustomObjectContext,
): CustomObjectResult[] {
  return eachRecord(call.type, call.input, context, (record, seen) => {
    const { type } = call;
    for (const name of Object.keys(record))
      if (name !== GUID && !type.fields.some((f) => f.name === name))
        throw new RecordSkip(1006, `Field ${named(name)} not found`);
    let found: EmulatedCustomObject | undefined;
    let dedupe: string;
    if (call.deleteBy === 'idField') {
      const guid = record[GUID];
      if (typeof guid !== 'string' || guid === '')
        throw new RecordSkip(1002, `Missing value for required parameter '${GUID}'`);
      dedupe = guid;
      found = context.store.byGuid(type.apiName, guid);
    } else {
      const keys: Record<string, CustomObjectValue> = {};
      for (const name of type.dedupeFields) keys[name] = value(type, name, record[name], context.leads);
      dedupe = dedupeKeyOf(type, keys);
      found = context.store.byKey(type.apiName, dedupe);
    }
    if (seen.has(dedupe)) throw new RecordSkip(1036, 'Duplicate object found in input');
    seen.add(dedupe);
    if (!found) throw new RecordSkip(1013, 'Object not found');
    context.store.delete(type, found);
    return { status: 'deleted', marketoGUID: found.marketoGUID };
  });
}

/** List Custom Objects: the types with their keys and relationships (`relatedTo`, as the List example). */
export function listCustomObjects(store: CustomObjectStore): unknown[] {
  return store
    .types()
    .map((type) => ({ ...typeHead(type), relationships: relationships(type, 'relatedTo') }));
}

/** Describe Custom Object: as List, with `fields` (and `object` in relationships, as the Describe example). */
export function describeCustomObject(type: CustomObjectType): unknown[] {
  const dedupe = new Set(type.dedupeFields);
  return [
    {
      ...typeHead(type),
      relationships: relationships(type, 'object'),
      fields: [
        { name: GUID, displayName: 'Marketo GUID', dataType: 'string', length: 36, updateable: false },
        { name: 'createdAt', displayName: 'Created At', dataType: 'datetime', updateable: false },
        { name: 'updatedAt', displayName: 'Updated At', dataType: 'datetime', updateable: false },
        ...type.fields.map((f) => ({
          name: f.name,
          displayName: f.name,
          dataType: f.dataType,
          ...(f.length !== undefined ? { length: f.length } : {}),
          // Dedupe fields name the record and cannot change. SW-MAPI's `crmManaged` marks a field the
          // native CRM sync manages; what a write to it does Adobe does not say: the Sync answers 1018.
          updateable: !dedupe.has(f.name),
          crmManaged: type.crmManaged,
        })),
      ],
    },
  ];
}

function typeHead(type: CustomObjectType): Record<string, unknown> {
  return {
    name: type.apiName,
    displayName: type.displayName ?? type.apiName,
    description: type.displayName ?? type.apiName,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    idField: GUID,
    dedupeFields: type.dedupeFields,
    searchableFields: [type.dedupeFields, [GUID], ...(type.link ? [[type.link.field]] : [])],
  };
}

function relationships(type: CustomObjectType, as: 'relatedTo' | 'object'): unknown[] {
  if (!type.link) return [];
  return [{ field: type.link.field, type: 'parent', [as]: { name: 'Lead', field: type.link.leadField } }];
}

/** Record rules, then the CRM check, then `apply` per record; a RecordSkip becomes `skipped`. */
function eachRecord(
  type: CustomObjectType,
  input: unknown[],
  context: CustomObjectContext,
  apply: (
    record: JsonObject,
    seen: Set<string>,
  ) => { status: 'created' | 'updated' | 'deleted'; marketoGUID: string },
): CustomObjectResult[] {
  const injected = restRuleVerdict(
    context.rules,
    input.map((r) => receivedObject(type.apiName, type.dedupeFields[0]!, r)),
    false,
  );
  const seen = new Set<string>();
  return input.map((record, seq) => {
    const reason = injected.get(seq);
    if (reason) return { seq, status: 'skipped', reasons: [reason] };
    try {
      if (type.crmManaged)
        throw new RecordSkip(
          1018,
          `CRM Enabled: ${named(type.apiName)} is managed by the native CRM integration (read-only)`,
        );
      if (!isJsonObject(record)) throw new RecordSkip(1003, 'Invalid data: a record must be a JSON object');
      return { seq, ...apply(record, seen) };
    } catch (error) {
      if (error instanceof RecordSkip) return { seq, status: 'skipped', reasons: [error.reason] };
      throw error;
    }
  });
}

/** The record's fields checked against the type: unknown names 1006, values by data type. */
function checkedFields(
  type: CustomObjectType,
  record: JsonObject,
  leads: LeadStore,
  byId: boolean,
): Record<string, CustomObjectValue> {
  const fields: Record<string, CustomObjectValue> = {};
  for (const [name, raw] of Object.entries(record)) {
    if (name === GUID && byId) continue;
    if (SYSTEM_FIELDS.includes(name))
      throw new RecordSkip(1003, `Field ${named(name)} is system managed and cannot be written`);
    if (!type.fields.some((f) => f.name === name))
      throw new RecordSkip(1006, `Field ${named(name)} not found`);
    fields[name] = value(type, name, raw, leads);
  }
  if (!byId)
    for (const name of type.dedupeFields)
      if (fields[name] === undefined || fields[name] === null || fields[name] === '')
        throw new RecordSkip(1002, `Missing value for required parameter ${named(name)}`);
  return fields;
}

function dedupeKeyOf(type: CustomObjectType, fields: Record<string, CustomObjectValue>): string {
  for (const name of type.dedupeFields)
    if (fields[name] === undefined || fields[name] === null || fields[name] === '')
      throw new RecordSkip(1002, `Missing value for required parameter ${named(name)}`);
  return CustomObjectStore.dedupeKey(type, fields);
}

/** One field's value by its data type (1001 naming the field when it does not fit; 1004 a lead not found). */
function value(type: CustomObjectType, name: string, raw: unknown, leads: LeadStore): CustomObjectValue {
  const field = type.fields.find((f) => f.name === name)!;
  // Adobe: "the database writes a value of null or an empty string as null".
  if (raw === null || raw === '' || raw === undefined) return null;
  const bad = (what: string): RecordSkip =>
    new RecordSkip(1001, `Invalid value ${shown(raw)} for ${named(name)}: must be ${what}`);
  if (typeof raw === 'object') throw bad('a string, number or boolean');
  if (type.link?.field === name) {
    const text = String(raw);
    const found =
      type.link.leadField === 'id'
        ? /^\d{1,15}$/.test(text) && leads.get(Number(text)) !== undefined
        : leads.findBy('Email', text).length > 0;
    if (!found) throw new RecordSkip(1004, 'Lead not found');
    return type.link.leadField === 'id' ? Number(text) : text;
  }
  switch (field.dataType) {
    case 'integer': {
      const n = typeof raw === 'number' ? raw : /^-?\d{1,15}$/.test(String(raw)) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw bad('an integer');
      return n;
    }
    case 'float':
    case 'currency': {
      const n = typeof raw === 'number' ? raw : String(raw).trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad('true or false');
    case 'date':
    case 'datetime':
      if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw bad(`a ${field.dataType}`);
      return raw;
    case 'string':
    case 'text':
    case 'email':
    case 'phone':
    case 'url':
    case 'link': {
      const text = String(raw);
      if (field.length !== undefined && text.length > field.length)
        throw bad(`at most ${field.length} characters`);
      return text;
    }
  }
}
