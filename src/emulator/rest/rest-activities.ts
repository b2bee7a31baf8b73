import type { RecordRule } from '../config.js';
import type { ActivityStore, LoggedActivity } from '../activity-store.js';
import { isLive, type ActivityType } from '../activity-types.js';
import type { LeadStore } from '../lead-store.js';
import type { ReceivedLead } from '../request-reader.js';
import { RecordSkip, RestCallError, type RestReason } from './rest-answer.js';
import type { RestConfig } from './rest-config.js';
import { inputParam, isJsonObject, named, restRuleVerdict, shown, type JsonObject } from './rest-records.js';

/**
 * Custom activities: Add Custom Activities (`POST /rest/v1/activities/external.json`), Get Custom
 * Activity Types (`GET /rest/v1/activities/external/types.json`), Get Paging Token
 * (`GET /rest/v1/activities/pagingtoken.json`) and Get Lead Activities (`GET /rest/v1/activities.json`),
 * on one activity log. Adobe's page and SW-MAPI agree on the answer of an add: by position, no `seq`,
 * `{id, marketoGUID, status:"added"}` or `{status:"skipped", errors:[{code, message}]}` (errors, not
 * reasons). Codes Adobe does not state (unknown or draft type, bad date, unknown attribute) are the
 * emulator's choice, documented in docs/emulator.md.
 */

export type ActivityResult =
  { id: number; marketoGUID: string; status: 'added' } | { status: 'skipped'; errors: RestReason[] };

/** ISO 8601 date and time with a zone (`Z` or an offset); seconds and fractions optional. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Largest attributes payload per record (code 1049). */
const MAX_ATTRIBUTE_BYTES = 65_536;
const MAX_TYPE_IDS = 10;
const MAX_LEAD_IDS = 30;
const MAX_BATCH = 300;

/** An activity date as epoch ms (to the second, as Marketo keeps it), or undefined when not ISO with a zone. */
export function activityInstant(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_WITH_ZONE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) * 1000;
}

function utcSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Applies one Add Custom Activities call: one result per input record, in input order. */
export function addActivities(
  body: JsonObject,
  context: { activities: ActivityStore; leads: LeadStore; rest: RestConfig; rules: RecordRule[] },
): ActivityResult[] {
  const input = inputParam(body, context.rest);
  const injected = restRuleVerdict(context.rules, input.map(asReceivedLead), true);
  return input.map((record, index) => {
    const reason = injected.get(index);
    if (reason) return { status: 'skipped', errors: [reason] };
    try {
      const logged = addOne(record, context);
      return { id: logged.id, marketoGUID: logged.marketoGUID, status: 'added' };
    } catch (error) {
      if (error instanceof RecordSkip) return { status: 'skipped', errors: [error.reason] };
      throw error;
    }
  });
}

/** An activity as the record rules see it: its lead id, its primary attribute value as `primaryAttributeValue`. */
function asReceivedLead(record: unknown): ReceivedLead {
  const lead: ReceivedLead = { attributes: [], unknownElements: [] };
  if (!isJsonObject(record)) return lead;
  if (typeof record.leadId === 'number') lead.Id = record.leadId;
  if (typeof record.primaryAttributeValue === 'string')
    lead.attributes.push({ name: 'primaryAttributeValue', value: record.primaryAttributeValue });
  return lead;
}

function addOne(record: unknown, context: { activities: ActivityStore; leads: LeadStore }): LoggedActivity {
  if (!isJsonObject(record)) throw new RecordSkip(1003, 'Invalid data: an activity must be a JSON object');
  for (const name of ['leadId', 'activityDate', 'activityTypeId', 'primaryAttributeValue'] as const)
    if (record[name] === undefined || record[name] === null || record[name] === '')
      throw new RecordSkip(1002, `Missing value for required parameter '${name}'`);
  const { leadId, activityTypeId, primaryAttributeValue } = record;
  if (typeof leadId !== 'number' || !Number.isSafeInteger(leadId))
    throw new RecordSkip(1003, `Invalid value ${shown(leadId)} for leadId: must be an integer`);
  if (typeof activityTypeId !== 'number' || !Number.isSafeInteger(activityTypeId))
    throw new RecordSkip(
      1003,
      `Invalid value ${shown(activityTypeId)} for activityTypeId: must be an integer`,
    );
  const type = context.activities.type(activityTypeId);
  if (!type)
    throw new RecordSkip(1003, `Invalid activityTypeId ${activityTypeId}: no such custom activity type`);
  if (!isLive(type))
    throw new RecordSkip(1003, `Activity type ${named(type.apiName)} is ${type.status}, not approved`);
  const at = activityInstant(record.activityDate);
  if (at === undefined)
    throw new RecordSkip(
      1003,
      `Invalid value ${shown(record.activityDate)} for activityDate: must be ISO 8601 with a time zone`,
    );
  if (typeof primaryAttributeValue !== 'string' && typeof primaryAttributeValue !== 'number')
    throw new RecordSkip(1003, `Invalid value ${shown(primaryAttributeValue)} for primaryAttributeValue`);
  const attributes = readAttributes(record.attributes, type);
  if (!context.leads.get(leadId)) throw new RecordSkip(1004, 'Lead not found');
  return context.activities.add({
    leadId,
    activityDate: utcSeconds(at),
    at,
    activityTypeId,
    primaryAttributeValue: String(primaryAttributeValue),
    attributes,
  });
}

/** The secondary attributes, each named by `apiName` or `name` (Adobe's page allows either). */
function readAttributes(raw: unknown, type: ActivityType): LoggedActivity['attributes'] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new RecordSkip(1003, 'Invalid value for attributes: must be an array');
  if (Buffer.byteLength(JSON.stringify(raw)) > MAX_ATTRIBUTE_BYTES)
    throw new RecordSkip(
      1049,
      'Failed to Create Activity - Attributes array too long. The array of attributes passed to the record exceeded the max length of 65536 bytes',
    );
  return raw.map((item) => {
    if (!isJsonObject(item))
      throw new RecordSkip(1003, 'Invalid value for attributes: each must be an object');
    const key = typeof item.apiName === 'string' ? item.apiName : item.name;
    if (typeof key !== 'string') throw new RecordSkip(1003, 'An attribute needs apiName or name');
    if (key === type.primaryAttribute.apiName || key === type.primaryAttribute.name)
      throw new RecordSkip(
        1003,
        `Attribute ${named(key)} is the primary attribute: send it as primaryAttributeValue`,
      );
    const attribute = type.attributes.find((a) => a.apiName === key || a.name === key);
    if (!attribute)
      throw new RecordSkip(1006, `Field ${named(key)} not found in activity type ${named(type.apiName)}`);
    const value = item.value;
    if (value !== null && typeof value === 'object')
      throw new RecordSkip(1003, `Invalid value for attribute ${named(key)}: must be a scalar`);
    return {
      name: attribute.name ?? attribute.apiName,
      apiName: attribute.apiName,
      value: value === null || value === undefined ? '' : String(value),
    };
  });
}

/** Get Custom Activity Types: every type with its attributes (SW-MAPI `CustomActivityType`). */
export function activityTypesView(activities: ActivityStore): unknown[] {
  return activities.types().map((t) => ({
    id: t.id,
    apiName: t.apiName,
    name: t.name ?? t.apiName,
    status: t.status,
    primaryAttribute: { ...t.primaryAttribute, name: t.primaryAttribute.name ?? t.primaryAttribute.apiName },
    attributes: t.attributes.map((a) => ({ ...a, name: a.name ?? a.apiName })),
  }));
}

/** A paging token: a position in the log's order (activity date, then id). Opaque to clients. */
function token(at: number, id: number): string {
  return Buffer.from(`v1:${at}:${id}`).toString('base64url');
}

function readToken(text: string | null): { at: number; id: number } {
  if (!text) throw new RestCallError(1003, 'nextPageToken is required');
  const match = /^v1:(-?\d{1,15}):(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new RestCallError(1003, 'Invalid nextPageToken');
  return { at: Number(match[1]), id: Number(match[2]) };
}

/** Get Paging Token: the position just before `sinceDatetime`. */
export function pagingToken(query: URLSearchParams): string {
  const since = query.get('sinceDatetime');
  const ms = since === null ? NaN : Date.parse(since);
  if (Number.isNaN(ms))
    throw new RestCallError(1003, `Invalid value ${shown(since)} for sinceDatetime: must be a date-time`);
  return token(Math.floor(ms / 1000) * 1000 - 1, 0);
}

/** Integers of a comma-separated (or repeated) query parameter, or 1003 naming it. */
function integers(
  query: URLSearchParams,
  name: string,
  max: number,
  required: boolean,
): number[] | undefined {
  const values = query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
  if (values.length === 0) {
    if (required) throw new RestCallError(1003, `${name} is required`);
    return undefined;
  }
  if (values.length > max)
    throw new RestCallError(1003, `${name}: at most ${max} values, got ${values.length}`);
  return values.map((v) => {
    if (!/^\d{1,15}$/.test(v)) throw new RestCallError(1003, `Invalid value ${shown(v)} in ${name}`);
    return Number(v);
  });
}

/** Get Lead Activities: activities of the given types (and leads) after the token's position. */
export function leadActivities(
  query: URLSearchParams,
  activities: ActivityStore,
): { result: unknown[]; nextPageToken: string; moreResult: boolean } {
  const from = readToken(query.get('nextPageToken'));
  const types = new Set(integers(query, 'activityTypeIds', MAX_TYPE_IDS, true));
  const leadIds = integers(query, 'leadIds', MAX_LEAD_IDS, false);
  const leads = leadIds === undefined ? undefined : new Set(leadIds);
  const size = query.get('batchSize');
  const batchSize = size === null ? MAX_BATCH : Number(size);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH)
    throw new RestCallError(1003, `Invalid value ${shown(size)} for batchSize: 1 to ${MAX_BATCH}`);
  const after = (a: LoggedActivity): boolean => a.at > from.at || (a.at === from.at && a.id > from.id);
  const matching = activities
    .all()
    .filter((a) => types.has(a.activityTypeId) && (leads === undefined || leads.has(a.leadId)) && after(a))
    .sort((a, b) => a.at - b.at || a.id - b.id);
  const page = matching.slice(0, batchSize);
  const last = page.at(-1);
  return {
    result: page.map((a) => ({
      id: a.id,
      marketoGUID: a.marketoGUID,
      leadId: a.leadId,
      activityDate: a.activityDate,
      activityTypeId: a.activityTypeId,
      primaryAttributeValue: a.primaryAttributeValue,
      attributes: a.attributes.map(({ name, apiName, value }) => ({ name, apiName, value })),
    })),
    nextPageToken: last ? token(last.at, last.id) : token(from.at, from.id),
    moreResult: matching.length > page.length,
  };
}
