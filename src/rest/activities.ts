import type { StoredActivity } from '../buffer/types.js';
import {
  boundText,
  MarketoCallError,
  type ActivityGroup,
  type FoundId,
  type RecordResult,
} from '../transport/contract.js';
import { activityResults } from './activity-answer.js';
import type { MappedRecord, RestCalls, RestJson } from './rest-calls.js';
import { leadRefText } from '../vocabulary/lead-refs.js';
import { refused } from './client-results.js';
import { ActivityTypeCatalog, isApproved, type ActivityTypeInfo } from './activity-types.js';
import { findLogged, type ActivityLogReader, type WantedActivity } from './activity-log.js';
import type { LeadResolution, LeadResolving } from './lead-resolver.js';
import type { RestProblem } from './rest-problem.js';

/**
 * Custom activities over REST (Add Custom Activities, 300 a call): each record's type checked against
 * the instance's types (cached), its lead resolved to an id (see lead-resolver.ts), then sent; the
 * answer is read by position. A record that cannot be sent fails naming its field; one whose lead has
 * a change on its way waits for it. {@link findActivities} is the check that a create whose answer was
 * lost needs before it is sent again: it reads the leads' activity logs.
 */

/** What sending and checking activities need of the REST client. */
export interface ActivityWire extends ActivityLogReader {
  leads: LeadResolving;
  types: ActivityTypeCatalog;
  /** Add Custom Activities for these records (or their problems), in as many requests as needed. */
  add(mapped: readonly MappedRecord[], signal?: AbortSignal): Promise<RecordResult[]>;
}

const ADD_PATH = '/rest/v1/activities/external.json';
const TYPES_PATH = '/rest/v1/activities/external/types.json';

/** The activity wire over the client's requests; the types catalog is kept per client. */
export function activityWire(calls: RestCalls): ActivityWire {
  const admit = calls.admitLookup;
  return {
    leads: calls.leads,
    types: calls.state(
      'activityTypes',
      () =>
        new ActivityTypeCatalog(async (signal) => {
          // A read of the types counts like any call: admitted, and not made once the worker stops.
          if (admit && !(await admit()))
            throw new MarketoCallError('not sent: the worker is stopping', {
              category: 'transient',
              code: 'stopping',
              applied: 'not-sent',
            });
          return calls.exchange('GET', TYPES_PATH, undefined, 0, signal);
        }),
    ),
    add: (mapped, signal) => calls.sendJson(ADD_PATH, {}, mapped, activityResults, signal),
    read: (path, signal) => calls.read(path, signal),
    ...(admit ? { admit } : {}),
  };
}

/** What stands before sending one record: the type and lead it names, or the result it ends with. */
type Prepared = { type: ActivityTypeInfo; leadId: number } | { result: RecordResult };

/** The record's type by the name or id it gives, checked against the record; a problem names the field. */
export function typeProblem(
  record: StoredActivity,
  type: ActivityTypeInfo | undefined,
): RestProblem | undefined {
  const named = JSON.stringify(record.activityType);
  if (type === undefined)
    return { field: 'activityType', reason: `names no custom activity type of this instance (${named})` };
  if (!isApproved(type.status))
    return {
      field: 'activityType',
      reason: `${named} is ${type.status}, not approved: approve it in Marketo first`,
    };
  if (record.primaryAttributeValue === '')
    return { field: 'primaryAttributeValue', reason: `is required by ${named}` };
  for (const name of Object.keys(record.attributes))
    if (!type.attributes.has(name))
      return { field: `attributes.${name}`, reason: `is not an attribute of activity type ${named}` };
  return undefined;
}

async function prepare(
  records: readonly StoredActivity[],
  wire: ActivityWire,
  signal?: AbortSignal,
  ignorePending = false,
): Promise<Prepared[]> {
  const types = await Promise.all(records.map((r) => wire.types.find(r.activityType, signal)));
  const problems = records.map((r, i) => typeProblem(r, types[i]));
  const wanted = records.flatMap((r, i) => (problems[i] === undefined ? [i] : []));
  const resolved = await wire.leads.resolve(
    wanted.map((i) => records[i]!.lead),
    signal,
    { ignorePending },
  );
  const byIndex = new Map<number, LeadResolution>(wanted.map((i, j) => [i, resolved[j]!]));
  return records.map((record, i): Prepared => {
    const problem = problems[i];
    if (problem !== undefined) return { result: refused(problem) };
    const lead = byIndex.get(i)!;
    if ('wait' in lead)
      return {
        result: {
          status: 'FAILED',
          id: null,
          code: null,
          category: 'transient',
          message: boundText(lead.wait),
          waitsFor: leadRefText(record.lead),
        },
      };
    if ('failed' in lead) return { result: refused({ field: 'lead', reason: lead.failed }) };
    return { type: types[i]!, leadId: lead.id };
  });
}

/** The record as Add Custom Activities takes it (attributes by API name). */
function requestRecord(
  record: StoredActivity,
  type: ActivityTypeInfo,
  leadId: number,
): Record<string, RestJson> {
  return {
    leadId,
    activityDate: record.activityDate,
    activityTypeId: type.id,
    primaryAttributeValue: record.primaryAttributeValue,
    attributes: Object.entries(record.attributes).map(([apiName, value]) => ({ apiName, value })),
  };
}

/** Sends one call's custom activities (group `A`): one result per record, in order. */
export function sendActivities(
  calls: RestCalls,
  _group: ActivityGroup,
  records: readonly StoredActivity[],
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  return sendWith(records, activityWire(calls), signal);
}

/** {@link sendActivities} over a given wire. */
export async function sendWith(
  records: readonly StoredActivity[],
  wire: ActivityWire,
  signal?: AbortSignal,
): Promise<RecordResult[]> {
  const prepared = await prepare(records, wire, signal);
  const results = new Array<RecordResult | undefined>(records.length);
  const sendable: number[] = [];
  const mapped: MappedRecord[] = [];
  prepared.forEach((p, i) => {
    if ('result' in p) results[i] = p.result;
    else {
      sendable.push(i);
      mapped.push({ ok: true, record: requestRecord(records[i]!, p.type, p.leadId) });
    }
  });
  if (mapped.length > 0) {
    const answered = await wire.add(mapped, signal);
    sendable.forEach((index, j) => {
      results[index] = answered[j]!;
    });
  }
  return results as RecordResult[];
}

/**
 * For activities whose create an attempt may have applied: each one's marketoGUID when the lead's
 * activity log has it (same type, lead, date to the second and primary attribute value; two identical
 * records need two logged activities), `absent` when the log was read and has it not, or why it could
 * not be told. Reads only; one log entry answers for one record.
 */
export function findActivities(
  calls: RestCalls,
  records: readonly StoredActivity[],
  signal?: AbortSignal,
): Promise<FoundId[]> {
  return findWith(records, activityWire(calls), signal);
}

/** {@link findActivities} over a given wire. */
export async function findWith(
  records: readonly StoredActivity[],
  wire: ActivityWire,
  signal?: AbortSignal,
): Promise<FoundId[]> {
  let prepared: Prepared[];
  try {
    prepared = await prepare(records, wire, signal, true);
  } catch (error) {
    const why = `could not check the activity log: ${boundText((error as Error).message)}`;
    return records.map(() => ({ id: null, why }));
  }
  const wanted: (WantedActivity & { index: number })[] = [];
  const out = new Array<FoundId | undefined>(records.length);
  prepared.forEach((p, i) => {
    if ('result' in p) {
      out[i] = { id: null, why: `could not check the activity log: ${p.result.message ?? 'not resolved'}` };
      return;
    }
    const record = records[i]!;
    wanted.push({
      index: i,
      leadId: p.leadId,
      typeId: p.type.id,
      at: Math.floor(Date.parse(record.activityDate) / 1000) * 1000,
      primary: record.primaryAttributeValue,
    });
  });
  const found = await findLogged(wanted, wire, signal);
  wanted.forEach((w, j) => {
    out[w.index] = found[j]!;
  });
  return out as FoundId[];
}
